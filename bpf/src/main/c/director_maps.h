/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The director's XDP maps: which client flows are handed off and where their packets go
 * (director_flows), how each agent is reached on the link (director_next_hops), and what the
 * program did with each frame (director_counters). Mirrored field for field by
 * org.handoff.director.kernel.DirectorFlowKey / DirectorFlowEntry / DirectorNextHop /
 * DirectorCounter; sizes and the memory bound per flow are in bpf/README.md.
 */
#ifndef HANDOFF_DIRECTOR_MAPS_H
#define HANDOFF_DIRECTOR_MAPS_H

#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

/* LRU: when full, the least recently used flow is evicted, and its packets go to the capture
 * (Java forwards them by FORWARD), so a full map costs speed, never a flow. Preallocated. */
#define DIRECTOR_FLOW_MAX_ENTRIES   262144

/* director_flow.flags: tunnel every packet of the flow, not only its pure ACKs. For flows
 * pinned to one origin, whose later requests need no routing decision. */
#define DIRECTOR_FLOW_TUNNEL_ALL    (1 << 0)

/* Agents the director reaches: a few per director, so a plain hash, filled and swept by Java. */
#define DIRECTOR_NEXT_HOP_MAX_ENTRIES 1024

/* A client packet's flow as it is on the wire: addresses and ports in network order. 12 bytes. */
struct director_flow_key {
	__be32 client_addr;
	__be32 vip_addr;
	__be16 client_port;
	__be16 vip_port;
};

/*
 * Where a flow's packets go. The outer source address is per flow, not global: it is the
 * address the worker's UDP socket to that agent sends from (the director may reach agents over
 * different interfaces), and it costs 4 bytes. 40 bytes.
 */
struct director_flow {
	__be32 agent_addr;      /*  0: outer IPv4 destination */
	__be32 source_addr;     /*  4: outer IPv4 source: the director's address toward the agent */
	__be16 agent_port;      /*  8: outer UDP destination: the agent's control port */
	__u16 flags;            /* 10: DIRECTOR_FLOW_*, host order */
	__be32 last_ack;        /* 12: the ack field of the last packet tunnelled (as on the wire): where a RST must sit */
	__be64 token;           /* 16: the flow token, copied into the TUNNEL header byte for byte */
	__u64 packets;          /* 24: packets tunnelled, host order; the program adds, user space reads */
	__u64 bytes;            /* 32: inner IPv4 bytes tunnelled, host order */
};

/*
 * How the program reaches one agent (key: the agent's IPv4 address, network order), as Katran
 * does without a kernel FIB lookup: the director runs with forwarding off (docs/director-io.md),
 * where bpf_fib_lookup refuses. The Java director fills it from the kernel's own tables (the
 * route to the agent, its neighbour entry, the egress interface's MAC and MTU) and refreshes it
 * once a second; no entry, or an unresolved neighbour: the program passes the frame. 20 bytes.
 */
struct director_next_hop {
	__u32 ifindex;          /*  0: egress interface, host order */
	__u32 mtu;              /*  4: its MTU, host order: the encapsulated packet must fit */
	__u8 dest_mac[6];       /*  8: the agent's (or its gateway's) MAC */
	__u8 source_mac[6];     /* 14: the egress interface's MAC */
};

/* director_counters indices: one per outcome, every frame counted once. */
enum director_counter {
	DIRECTOR_TUNNELLED = 0,              /* encapsulated and sent to the agent (XDP_TX or redirect) */
	DIRECTOR_PASSED_NOT_IPV4_TCP,        /* not Ethernet + IPv4 + TCP (ARP, IPv6, VLAN, UDP, ...) */
	DIRECTOR_PASSED_MALFORMED,           /* truncated frame, or lengths that contradict each other */
	DIRECTOR_PASSED_IP_OPTIONS,          /* IPv4 header longer than 20 bytes */
	DIRECTOR_PASSED_FRAGMENT,            /* MF set or a fragment offset */
	DIRECTOR_PASSED_NO_FLOW,             /* no entry in director_flows */
	DIRECTOR_PASSED_CONTROL,             /* SYN, FIN or RST set, or ACK not set (flow without TUNNEL_ALL) */
	DIRECTOR_PASSED_PAYLOAD,             /* carries bytes (flow without TUNNEL_ALL) */
	DIRECTOR_PASSED_TOO_BIG,             /* encapsulated it would exceed the egress MTU */
	DIRECTOR_PASSED_NO_NEXT_HOP,         /* no entry in director_next_hops for the agent (no route or neighbour yet) */
	DIRECTOR_PASSED_NO_HEADROOM,         /* bpf_xdp_adjust_head refused the 44 bytes */
	DIRECTOR_COUNTER_COUNT
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, DIRECTOR_FLOW_MAX_ENTRIES);
	__type(key, struct director_flow_key);
	__type(value, struct director_flow);
} director_flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, DIRECTOR_NEXT_HOP_MAX_ENTRIES);
	__type(key, __be32);
	__type(value, struct director_next_hop);
} director_next_hops SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, DIRECTOR_COUNTER_COUNT);
	__type(key, __u32);
	__type(value, __u64);
} director_counters SEC(".maps");

#endif
