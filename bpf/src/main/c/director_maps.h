// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
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
	DIRECTOR_PASSED_CONTROL,             /* SYN set (any flow); FIN or RST set, or ACK not set (flow without TUNNEL_ALL) */
	DIRECTOR_PASSED_PAYLOAD,             /* carries bytes (flow without TUNNEL_ALL) */
	DIRECTOR_PASSED_TOO_BIG,             /* encapsulated it would exceed the egress MTU */
	DIRECTOR_PASSED_NO_NEXT_HOP,         /* no entry in director_next_hops for the agent (no route or neighbour yet) */
	DIRECTOR_PASSED_NO_HEADROOM,         /* bpf_xdp_adjust_head refused the 44 bytes */
	DIRECTOR_SYN_ANSWERED,               /* a SYN answered with a cookie SYN-ACK (XDP_TX) */
	DIRECTOR_SYN_PASSED_NO_TIMESTAMPS,   /* a SYN without the timestamps option: Java answers it */
	DIRECTOR_SYN_PASSED_NOT_SERVED,      /* a SYN to an address and port not in director_vips */
	DIRECTOR_SYN_PASSED_PAYLOAD,         /* a SYN carrying bytes */
	DIRECTOR_SYN_PASSED_MALFORMED,       /* a SYN whose TCP options TcpOptions.walk refuses */
	DIRECTOR_SYN_PASSED_NO_ROOM,         /* bpf_xdp_adjust_tail refused the SYN-ACK's length */
	DIRECTOR_HANDSHAKE_ACK_DROPPED,      /* the pure ACK ending a cookie handshake: the request's segment makes the flow */
	DIRECTOR_COUNTER_COUNT
};

/* director_vips: at most this many VIP:port pairs whose SYNs the program answers */
#define DIRECTOR_VIP_MAX_ENTRIES    4096

/*
 * What the SYN path (director_syn.h) answers with: the director's SYN cookie secret and the
 * SYN-ACK's settings, as TcpTerminator has them. Java writes it at start and at each reload
 * (org.handoff.director.kernel.DirectorSynConfig); until then enabled is 0 and every SYN goes
 * to Java. 24 bytes, the only entry (key 0) of director_syn_config.
 */
struct director_syn_config {
	__u64 secret0;          /*  0: SipHash key k0 (TcpTerminator's secret0), host order */
	__u64 secret1;          /*  8: SipHash key k1 */
	__u16 mss;              /* 16: the MSS option's value, host order: the director's effective MSS */
	__u16 window;           /* 18: the SYN-ACK's window field, host order: min(receive capacity, 65535) */
	__u8 window_shift;      /* 20: the director's window shift, sent when the client offers scaling */
	__u8 enabled;           /* 21: 1 = answer SYNs here; 0 = pass every SYN to Java */
	__u16 reserved;         /* 22: 0 */
};

/* A VIP address and port whose SYNs the program answers: network order as on the wire. 8 bytes. */
struct director_vip {
	__be32 addr;
	__be16 port;
	__u16 reserved;
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

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct director_syn_config);
} director_syn_config SEC(".maps");

/* the set of served VIP:ports; the value is the VIP's index in the director's config (for logs) */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, DIRECTOR_VIP_MAX_ENTRIES);
	__type(key, struct director_vip);
	__type(value, __u32);
} director_vips SEC(".maps");

#endif
