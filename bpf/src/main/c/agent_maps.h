// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The server agent's kernel data path: the maps and structs shared by agent_egress.bpf.c (tc
 * egress on the TUN ho-tun0, connection B onto A) and agent_ingress.bpf.c (tc ingress on the
 * agent's uplink, TUNNEL packets decapsulated onto B). The Java side mirrors every struct field
 * for field, with these offsets as named constants: package org.handoff.agent.kernel in
 * server-agent. The transform is PacketRewriter's (docs/architecture.md, "The transform table").
 *
 * Byte order: addresses and ports are kept in network order, exactly as on the wire (keys are
 * compared with packet bytes, values are copied into packets). Offsets, clocks and state are
 * numbers the programs compute with: host order (the agent runs on little-endian hosts only).
 */
#ifndef AGENT_MAPS_H
#define AGENT_MAPS_H

#include <linux/types.h>
#include "tcp_options.h"

/* Flows a map holds; the least recently used entry goes when it is full (LRU hash). */
#define AGENT_EGRESS_MAX_FLOWS   65536
#define AGENT_INGRESS_MAX_FLOWS  65536

/* TCP's limits (TCP_FIXED_HEADER_LEN, TCP_MAX_OPTIONS_LEN, ...) are in tcp_options.h. */
#define IPV4_MIN_HEADER_LEN      20
#define IPV4_MAX_HEADER_LEN      60
#define ETH_HEADER_LEN           14
#define UDP_HEADER_LEN           8
/* Tries of a state update's compare-and-swap before it gives up and counts (two CPUs at once). */
#define AGENT_STATE_CAS_TRIES    4

/* agent_egress_value.flags and agent_ingress_value.flags */
#define AGENT_FLOW_TIMESTAMPS    0x01  /* timestamps on both connections: TSval + t, TSecr - t */
/*
 * agent_egress_value.flags: the flow's SYN and RST segments go to the agent untouched (to the TUN
 * reader), so the process that owns the flow's state sees it start over or end
 * (docs/kernel-datapath.md). Without it the program rewrites them like any other segment. FINs
 * are always rewritten here, in order with the data before them; the programs follow the close
 * themselves (the close words below) and tell the agent once it is over (agent_events).
 */
#define AGENT_FLOW_CONTROL_TO_AGENT 0x02

/*
 * agent_ingress_value.client_close and .server_close: one side's FIN as the programs saw it. The
 * side's own program writes the FIN (and its end), the other side's program the ACK of it, each
 * with a compare-and-swap, so end and bits are read together. A flow is closed when both FINs
 * are acknowledged; the compare-and-swap that sets AGENT_CLOSE_REPORTED (client_close only) sends
 * the one AGENT_EVENT_CLOSED.
 */
#define AGENT_CLOSE_END_MASK  0xffffffffULL  /* bits 0-31: the FIN's end (seq + payload + 1), B's numbering */
#define AGENT_CLOSE_FIN       (1ULL << 32)   /* the FIN went through a program */
#define AGENT_CLOSE_ACKED     (1ULL << 33)   /* the other side acknowledged it (ack >= end) */
#define AGENT_CLOSE_REPORTED  (1ULL << 34)   /* client_close only: the flow's AGENT_EVENT_CLOSED is sent */

/*
 * Egress key: connection B's packet as it leaves the local stack into ho-tun0 (12 bytes).
 *
 *   0  server_addr   H, B's source address
 *   4  client_addr   C, B's destination address
 *   8  server_port   B's source port
 *  10  client_port   B's destination port
 */
struct agent_egress_key {
	__be32 server_addr;
	__be32 client_addr;
	__be16 server_port;
	__be16 client_port;
};

/*
 * Egress value (40 bytes): PacketRewriter.serverToClient's constants (a FlowTransform), written
 * once by the agent when B is ready, then two state words that the program keeps for the
 * hand-back (docs/handoff-protocol.md, HANDBACK): the agent writes their start values with the
 * entry, the program moves them with a compare-and-swap, the agent reads them back.
 *
 *   0  vip_addr        A's server address: the new source address
 *   4  vip_port        A's server port: the new source port
 *   6  flags           AGENT_FLOW_TIMESTAMPS, AGENT_FLOW_CONTROL_TO_AGENT
 *   7  server_shift    ws, the stack's window shift on B
 *   8  director_shift  wd, the director's window shift on A
 *   9  client_fin      set to 1 by the ingress program when the client's FIN went through: from
 *                      then on this program looks for the stack's ACK of it (client_close)
 *  10  reserved[2]     0
 *  12  seq_offset      d = director ISN - server ISN (mod 2^32): seq + d
 *  16  ts_offset       t: TSval + t
 *  20  ts_floor        the director's TSval at hand-off: no TSval below it (PAWS)
 *  24  sent            high 32 bits: server_next, B's numbering, the highest seq + payload (+1
 *                      for SYN, +1 for FIN) of a segment the program rewrote, by sequence order;
 *                      low 32 bits: the largest TSval (director's clock) it wrote, by sequence
 *                      order. Both in one word so one read gives a consistent pair.
 *  32  acked           high 32 bits: server_ack, B's numbering, the highest ack field of a
 *                      rewritten segment with ACK set; bits 0-15: the window field of the last
 *                      rewritten segment as the client got it (rescaled); bits 16-23: every TCP
 *                      flag of a rewritten segment or-ed together (FIN 0x01, RST 0x04 show that B
 *                      is closing); bits 24-31: 0.
 *
 * The two state words are 64 bits because the BPF instruction set (clang's default CPU v1) has
 * a 64-bit compare-and-swap only; an LRU hash value cannot hold a bpf_spin_lock (EOPNOTSUPP).
 * The agent writes an entry once (BPF_NOEXIST) and never updates it afterwards, so the program
 * is the only writer of the state words.
 */
struct agent_egress_value {
	__be32 vip_addr;
	__be16 vip_port;
	__u8 flags;
	__u8 server_shift;
	__u8 director_shift;
	__u8 client_fin;
	__u8 reserved[2];
	__u32 seq_offset;
	__u32 ts_offset;
	__u32 ts_floor;
	__u64 sent;
	__u64 acked;
};

#define AGENT_ACKED_WINDOW_MASK   0xffffULL
#define AGENT_ACKED_FLAGS_SHIFT   16
#define AGENT_ACKED_FLAGS_MASK    0xffULL

/*
 * Ingress key: the inner client packet of a TUNNEL as it arrives, connection A (12 bytes).
 *
 *   0  client_addr   C, the inner source address
 *   4  vip_addr      the inner destination address
 *   8  client_port   the inner source port
 *  10  vip_port      the inner destination port
 */
struct agent_ingress_key {
	__be32 client_addr;
	__be32 vip_addr;
	__be16 client_port;
	__be16 vip_port;
};

/*
 * Ingress value (48 bytes): the flow's token and PacketRewriter.clientToServer's constants, then
 * the state words the programs keep so the agent sees a flow it no longer reads (idle timer,
 * hand-back, close).
 *
 *   0  token         the flow token from the HANDOFF, the 8 bytes as the TUNNEL header carries
 *                    them: compared as bytes, never converted
 *   8  server_addr   H: the new destination address
 *  12  server_port   the new destination port
 *  14  flags         AGENT_FLOW_TIMESTAMPS
 *  15  reserved      0
 *  16  seq_offset    d: ack - d, every SACK edge - d
 *  20  ts_offset     t: TSecr - t
 *  24  delivered     high 32 bits: client_ack, B's numbering (after ack - d), the highest ack
 *                    field of a delivered segment with ACK set, by sequence order; low 32 bits:
 *                    segments delivered (mod 2^32). The agent writes it with the entry (its own
 *                    view of the client's ack, 0 packets); the program moves it by
 *                    compare-and-swap, as the egress state words.
 *  32  client_close  the client's FIN (AGENT_CLOSE_*): set by this program, acknowledged by
 *                    the egress program; the agent writes its own view with the entry
 *  40  server_close  the server's FIN: set by the egress program, acknowledged by this one
 */
struct agent_ingress_value {
	__u64 token;
	__be32 server_addr;
	__be16 server_port;
	__u8 flags;
	__u8 reserved;
	__u32 seq_offset;
	__u32 ts_offset;
	__u64 delivered;
	__u64 client_close;
	__u64 server_close;
};

/* agent_events: what the programs tell the agent (16 bytes), a ring buffer record. */
struct agent_event {
	struct agent_ingress_key key;  /* the flow */
	__u32 kind;                    /* enum agent_event_kind */
};

enum agent_event_kind {
	AGENT_EVENT_CLOSED = 1,  /* both FINs acknowledged: the agent ends the flow (CLOSED, entries removed) */
};

/* The ring buffer's size: a power of 2 and pages; 16,384 events of 24 bytes (with its header) at most. */
#define AGENT_EVENTS_BYTES (512 * 1024)

/*
 * A flow's control-plane record (64 bytes), keyed like the ingress map (struct agent_ingress_key):
 * what the agent's Java side knows of a flow beyond the two rewrite entries, written once with
 * them (BPF_NOEXIST) and deleted with them. No program reads it: it is pinned beside the flow maps
 * so that a restarted agent rebuilds its flows from the three (docs/kernel-datapath.md, Restarts).
 *
 *   0  handoff_id      the accepted HANDOFF's message id
 *   8  started_ms      wall-clock milliseconds when the HANDOFF came (CLOSED's duration)
 *  16  director_addr   where the HANDOFF came from: CLOSED and HANDBACK go there (network order)
 *  20  director_port   (network order)
 *  22  client_window   the client's window from the HANDOFF (unscaled)
 *  24  client_isn      B's first sequence number minus 1 (A's and B's numbering)
 *  28  director_isn    the director's SND.NXT - 1
 *  32  server_isn      B's server ISN, from the SYN-ACK
 *  36  request_len     bytes of the request delivered with the hand-off
 *  40  director_tsval  the director's TSval at hand-off
 *  44  syn_ack_tsval   the stack's TSval in its SYN-ACK
 *  48  ts_recent       the client's last TSval at hand-off
 *  52  client_mss
 *  54  stack_mss
 *  56  attempt         the HANDOFF's attempt number
 *  57  client_shift    the client's window shift, 0xff without window scaling on A
 *  58  stack_shift     ws
 *  59  director_shift  wd
 *  60  flags           AGENT_RECORD_* below
 *  61  reserved[3]     0
 */
struct agent_flow_record {
	__u64 handoff_id;
	__u64 started_ms;
	__be32 director_addr;
	__be16 director_port;
	__u16 client_window;
	__u32 client_isn;
	__u32 director_isn;
	__u32 server_isn;
	__u32 request_len;
	__u32 director_tsval;
	__u32 syn_ack_tsval;
	__u32 ts_recent;
	__u16 client_mss;
	__u16 stack_mss;
	__u8 attempt;
	__u8 client_shift;
	__u8 stack_shift;
	__u8 director_shift;
	__u8 flags;
	__u8 reserved[3];
};

/* agent_flow_record.flags */
#define AGENT_RECORD_SACK_PERMITTED  0x01
#define AGENT_RECORD_TIMESTAMPS      0x02  /* on connection A */
#define AGENT_RECORD_TIMESTAMPS_ON_B 0x04
#define AGENT_RECORD_SCALING_ON_B    0x08

/* agent_config.egress_mode: how a rewritten server packet leaves (bpf/README.md). */
enum agent_egress_mode {
	/* bpf_fib_lookup as if forwarded from the TUN, then out of the route's device */
	AGENT_EGRESS_FIB = 0,
	/* bpf_redirect into the TUN's own ingress: the kernel forwards it (link mode forward) */
	AGENT_EGRESS_TUN_INGRESS = 1,
};

/*
 * Configuration, one entry (index 0) of an array map, written by the agent before it attaches
 * the programs, and again when it stops leaving its flows to the kernel (16 bytes).
 *
 *   0  tunnel_port    the agent's UDP control port, network order; 0: ingress passes everything
 *   2  egress_mode    enum agent_egress_mode
 *   3  reserved       0
 *   4  tun_ifindex    ho-tun0's ifindex: decapsulated packets enter the stack through its
 *                     ingress (as the agent's write(2) did: rp_filter and the input guard expect
 *                     B's client packets there); 0: they go up the uplink's own path
 *   8  hold_until_ns  CLOCK_MONOTONIC (bpf_ktime_get_ns): until then, datagrams to tunnel_port
 *                     that would go up to the agent are dropped (the agent is restarting; its
 *                     closed port must not answer with ICMP); 0: never
 */
struct agent_config {
	__be16 tunnel_port;
	__u8 egress_mode;
	__u8 reserved;
	__u32 tun_ifindex;
	__u64 hold_until_ns;
};

/* Per-CPU counters, one array index each; the agent sums the CPUs (bpf/README.md). */
enum agent_counter {
	AGENT_EGRESS_REWRITTEN = 0,     /* rewritten and sent out, no user space */
	AGENT_EGRESS_NO_FLOW,           /* IPv4/TCP but not in the egress map: to the TUN reader */
	AGENT_EGRESS_CONTROL_PASSED,    /* SYN, FIN or RST of a flow with AGENT_FLOW_CONTROL_TO_AGENT: to the TUN reader */
	AGENT_EGRESS_NOT_IPV4,          /* passed to the TUN reader */
	AGENT_EGRESS_NOT_TCP,           /* passed to the TUN reader */
	AGENT_EGRESS_FRAGMENT,          /* passed to the TUN reader */
	AGENT_EGRESS_MALFORMED,         /* bad IPv4 or TCP header or options: passed, untouched */
	AGENT_EGRESS_NO_ROUTE,          /* in the map, but bpf_fib_lookup found no way out: passed, untouched */
	AGENT_EGRESS_STATE_CONTENDED,   /* a state word lost AGENT_STATE_CAS_TRIES races: not moved */
	AGENT_INGRESS_DELIVERED,        /* decapsulated, rewritten, delivered to the stack */
	AGENT_INGRESS_NO_FLOW,          /* a valid TUNNEL without a map entry: passed up to the agent */
	AGENT_INGRESS_BAD_TOKEN,        /* dropped: the token is not the flow's */
	AGENT_INGRESS_MALFORMED_TUNNEL, /* dropped: type TUNNEL, but its length, flags or UDP length is wrong */
	AGENT_INGRESS_MALFORMED_INNER,  /* dropped: the inner packet is not a whole IPv4/TCP packet */
	AGENT_INGRESS_INNER_NOT_TCP,    /* dropped: the inner packet is IPv4 but not TCP, or a fragment */
	AGENT_INGRESS_GRO_PASSED,       /* a coalesced (GRO) datagram to our port: passed up untouched */
	AGENT_INGRESS_DECAP_FAILED,     /* bpf_skb_adjust_room refused: dropped */
	AGENT_INGRESS_STATE_CONTENDED,  /* the delivered word lost AGENT_STATE_CAS_TRIES races: not moved */
	AGENT_INGRESS_HELD_RESTARTING,  /* a datagram for the agent while it restarts (hold_until_ns): dropped */
	AGENT_INGRESS_CONTROL_PASSED,   /* a flow's SYN or RST: passed up to the agent */
	AGENT_CLOSES_REPORTED,          /* a flow's close (both FINs acknowledged) sent to the agent in agent_events */
	AGENT_CLOSE_EVENTS_LOST,        /* agent_events was full: the agent finds that close at the flow's idle timer */
	AGENT_COUNTER_COUNT
};

/*
 * The layouts the Java mirror copies (org.handoff.agent.kernel): the compiler holds the structs to
 * these lines, and AgentMapsHeaderTest holds the Java offsets and lengths to them.
 */
#define AGENT_LAYOUT(type, field, offset) \
	_Static_assert(__builtin_offsetof(struct type, field) == (offset), #type "." #field)
#define AGENT_SIZE(type, size) _Static_assert(sizeof(struct type) == (size), #type)
AGENT_LAYOUT(agent_egress_key, server_addr, 0);
AGENT_LAYOUT(agent_egress_key, client_addr, 4);
AGENT_LAYOUT(agent_egress_key, server_port, 8);
AGENT_LAYOUT(agent_egress_key, client_port, 10);
AGENT_SIZE(agent_egress_key, 12);
AGENT_LAYOUT(agent_egress_value, vip_addr, 0);
AGENT_LAYOUT(agent_egress_value, vip_port, 4);
AGENT_LAYOUT(agent_egress_value, flags, 6);
AGENT_LAYOUT(agent_egress_value, server_shift, 7);
AGENT_LAYOUT(agent_egress_value, director_shift, 8);
AGENT_LAYOUT(agent_egress_value, client_fin, 9);
AGENT_LAYOUT(agent_egress_value, reserved, 10);
AGENT_LAYOUT(agent_egress_value, seq_offset, 12);
AGENT_LAYOUT(agent_egress_value, ts_offset, 16);
AGENT_LAYOUT(agent_egress_value, ts_floor, 20);
AGENT_LAYOUT(agent_egress_value, sent, 24);
AGENT_LAYOUT(agent_egress_value, acked, 32);
AGENT_SIZE(agent_egress_value, 40);
AGENT_LAYOUT(agent_ingress_key, client_addr, 0);
AGENT_LAYOUT(agent_ingress_key, vip_addr, 4);
AGENT_LAYOUT(agent_ingress_key, client_port, 8);
AGENT_LAYOUT(agent_ingress_key, vip_port, 10);
AGENT_SIZE(agent_ingress_key, 12);
AGENT_LAYOUT(agent_ingress_value, token, 0);
AGENT_LAYOUT(agent_ingress_value, server_addr, 8);
AGENT_LAYOUT(agent_ingress_value, server_port, 12);
AGENT_LAYOUT(agent_ingress_value, flags, 14);
AGENT_LAYOUT(agent_ingress_value, reserved, 15);
AGENT_LAYOUT(agent_ingress_value, seq_offset, 16);
AGENT_LAYOUT(agent_ingress_value, ts_offset, 20);
AGENT_LAYOUT(agent_ingress_value, delivered, 24);
AGENT_LAYOUT(agent_ingress_value, client_close, 32);
AGENT_LAYOUT(agent_ingress_value, server_close, 40);
AGENT_SIZE(agent_ingress_value, 48);
AGENT_LAYOUT(agent_event, key, 0);
AGENT_LAYOUT(agent_event, kind, 12);
AGENT_SIZE(agent_event, 16);
AGENT_LAYOUT(agent_flow_record, handoff_id, 0);
AGENT_LAYOUT(agent_flow_record, started_ms, 8);
AGENT_LAYOUT(agent_flow_record, director_addr, 16);
AGENT_LAYOUT(agent_flow_record, director_port, 20);
AGENT_LAYOUT(agent_flow_record, client_window, 22);
AGENT_LAYOUT(agent_flow_record, client_isn, 24);
AGENT_LAYOUT(agent_flow_record, director_isn, 28);
AGENT_LAYOUT(agent_flow_record, server_isn, 32);
AGENT_LAYOUT(agent_flow_record, request_len, 36);
AGENT_LAYOUT(agent_flow_record, director_tsval, 40);
AGENT_LAYOUT(agent_flow_record, syn_ack_tsval, 44);
AGENT_LAYOUT(agent_flow_record, ts_recent, 48);
AGENT_LAYOUT(agent_flow_record, client_mss, 52);
AGENT_LAYOUT(agent_flow_record, stack_mss, 54);
AGENT_LAYOUT(agent_flow_record, attempt, 56);
AGENT_LAYOUT(agent_flow_record, client_shift, 57);
AGENT_LAYOUT(agent_flow_record, stack_shift, 58);
AGENT_LAYOUT(agent_flow_record, director_shift, 59);
AGENT_LAYOUT(agent_flow_record, flags, 60);
AGENT_LAYOUT(agent_flow_record, reserved, 61);
AGENT_SIZE(agent_flow_record, 64);
AGENT_LAYOUT(agent_config, tunnel_port, 0);
AGENT_LAYOUT(agent_config, egress_mode, 2);
AGENT_LAYOUT(agent_config, reserved, 3);
AGENT_LAYOUT(agent_config, tun_ifindex, 4);
AGENT_LAYOUT(agent_config, hold_until_ns, 8);
AGENT_SIZE(agent_config, 16);

/*
 * The maps both programs use: each object declares them all, and the agent's loader pins them
 * under its own bpffs, so the second object to load reuses the first one's (one map each; the
 * counter indices of the two programs do not overlap). Each program reads the other's flow map
 * only to follow a close.
 */
#ifdef __BPF__
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, AGENT_EGRESS_MAX_FLOWS);
	__type(key, struct agent_egress_key);
	__type(value, struct agent_egress_value);
} agent_egress_flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, AGENT_INGRESS_MAX_FLOWS);
	__type(key, struct agent_ingress_key);
	__type(value, struct agent_ingress_value);
} agent_ingress_flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, AGENT_EVENTS_BYTES);
} agent_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct agent_config);
} agent_config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, AGENT_COUNTER_COUNT);
	__type(key, __u32);
	__type(value, __u64);
} agent_counters SEC(".maps");

/*
 * The flows' control-plane records (struct agent_flow_record): read by no program, pinned with the
 * others so a restarted agent finds them. A plain hash, not LRU: a record must never go while its
 * flow lives; full, the agent keeps the flow in user space. Allocated per entry.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, AGENT_INGRESS_MAX_FLOWS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct agent_ingress_key);
	__type(value, struct agent_flow_record);
} agent_flow_records SEC(".maps");
#endif

#endif
