// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * tc ingress on the agent's uplink (an Ethernet device). A TUNNEL datagram (handoff_tunnel.h)
 * to the agent's UDP port whose inner packet belongs to a flow in agent_ingress_flows, with the
 * flow's token, is decapsulated (outer IPv4, UDP and the 16-byte header removed, the Ethernet
 * header kept), rewritten exactly as PacketRewriter.clientToServer rewrites it (destination
 * VIP:port -> H:server port, ack - d, every SACK edge - d, TSecr - t) and handed to the local
 * stack through the TUN's ingress, where the agent's own writes arrive: the agent never wakes.
 * Its SYN and RST are the exception: passed up untouched (AGENT_INGRESS_CONTROL_PASSED), as the
 * egress program passes up the server's. A FIN is delivered like data and noted for the close
 * (agent_close.h), as is the client's ACK of the server's FIN.
 *
 * Verdicts: anything that is not UDP to the agent's port, or not a TUNNEL (the agent's other
 * messages share the port): TC_ACT_OK untouched, after as few loads as possible. A TUNNEL whose
 * flow is not in the map: TC_ACT_OK untouched, the agent handles it in user space. A wrong
 * token, or a TUNNEL or inner packet that no receiver could accept: TC_ACT_SHOT, counted.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "agent_maps.h"
#include "agent_rewrite.h"
#include "agent_close.h"
#include "handoff_tunnel.h"

/* Linux 6.3 and later; the build's UAPI headers (6.1) predate it. */
#ifndef BPF_F_ADJ_ROOM_DECAP_L3_IPV4
#define BPF_F_ADJ_ROOM_DECAP_L3_IPV4 (1ULL << 7)
#endif

/*
 * Moves the delivered word: (max ack on B, packets + 1). Segments of one flow rarely meet on two
 * CPUs (one client, one RSS queue); when they do, the loser retries on the winner's value.
 */
static __always_inline void update_delivered(struct agent_ingress_value *v, int has_ack, __u32 ack)
{
	for (int i = 0; i < AGENT_STATE_CAS_TRIES; i++) {
		__u64 cur = v->delivered;
		__u32 acked = has_ack ? seq_max((__u32)(cur >> 32), ack) : (__u32)(cur >> 32);
		__u64 want = ((__u64)acked << 32) | (__u32)((__u32)cur + 1);
		if (__sync_val_compare_and_swap(&v->delivered, cur, want) == cur)
			return;
	}
	count(AGENT_INGRESS_STATE_CONTENDED);
}

/* The first 4 bytes of a TUNNEL header, as loaded on this little-endian target. */
struct tunnel_start {
	__be16 magic;
	__u8 version;
	__u8 type;
};

/*
 * A datagram for the agent's socket. While a stopped agent's successor starts (hold_until_ns, the
 * agent's restart grace), it is dropped instead: the closed port would answer with ICMP port
 * unreachable, on which the director resets the agent's clients (docs/kernel-datapath.md,
 * Restarts). A packet the client retransmits reaches the next run. After the grace the port
 * answers again, so an agent that never comes back still has its clients reset.
 */
static __always_inline int to_agent(struct agent_config *cfg)
{
	if (cfg->hold_until_ns && bpf_ktime_get_ns() < cfg->hold_until_ns) {
		count(AGENT_INGRESS_HELD_RESTARTING);
		return TC_ACT_SHOT;
	}
	return TC_ACT_OK;
}

/* Drops a TUNNEL that no receiver could accept, counted by reason. */
static __always_inline int drop(__u32 reason)
{
	count(reason);
	return TC_ACT_SHOT;
}

SEC("tc")
int agent_ingress(struct __sk_buff *skb)
{
	struct iphdr outer;
	struct udphdr udp;
	__u32 zero = 0;

	if (skb->protocol != bpf_htons(ETH_P_IP))
		return TC_ACT_OK;
	if (bpf_skb_load_bytes(skb, ETH_HEADER_LEN, &outer, sizeof(outer)) < 0)
		return TC_ACT_OK;
	if (outer.protocol != IPPROTO_UDP || outer.version != 4 || outer.ihl < 5
	    || (outer.frag_off & bpf_htons(IPV4_FRAGMENT_MASK)))
		return TC_ACT_OK;  /* the stack reassembles fragments; the agent reads the datagram */
	__u32 outer_hl = outer.ihl * 4;
	__u32 udp_off = ETH_HEADER_LEN + outer_hl;
	if (bpf_skb_load_bytes(skb, udp_off, &udp, sizeof(udp)) < 0)
		return TC_ACT_OK;
	struct agent_config *cfg = bpf_map_lookup_elem(&agent_config, &zero);
	if (!cfg || cfg->tunnel_port == 0 || udp.dest != cfg->tunnel_port)
		return TC_ACT_OK;

	__u32 payload_off = udp_off + UDP_HEADER_LEN;
	__u32 udp_len = bpf_ntohs(udp.len);
	struct tunnel_start start;
	if (udp_len < UDP_HEADER_LEN + sizeof(start) || bpf_skb_load_bytes(skb, payload_off, &start, sizeof(start)) < 0)
		return to_agent(cfg);
	if (start.magic != bpf_htons(HANDOFF_MAGIC) || start.version != HANDOFF_VERSION
	    || start.type != HANDOFF_TYPE_TUNNEL)
		return to_agent(cfg);  /* another message of the agent's protocol */
	if (skb->gso_size) {
		/* Datagrams coalesced by GRO: one skb, many TUNNELs; the agent's socket reads them apart. */
		count(AGENT_INGRESS_GRO_PASSED);
		return to_agent(cfg);
	}

	/* A TUNNEL: every length agrees, flags are 0, the inner packet is a whole IPv4/TCP packet. */
	struct handoff_tunnel_hdr tun;
	__u32 outer_len = bpf_ntohs(outer.tot_len);
	if (udp_len < UDP_HEADER_LEN + TUNNEL_HEADER_LEN || outer_len < outer_hl + udp_len
	    || skb->len < ETH_HEADER_LEN + outer_len
	    || bpf_skb_load_bytes(skb, payload_off, &tun, sizeof(tun)) < 0)
		return drop(AGENT_INGRESS_MALFORMED_TUNNEL);
	__u32 total = bpf_ntohs(tun.total_length);
	if (total != udp_len - UDP_HEADER_LEN || tun.flags != 0 || total < TUNNEL_HEADER_LEN + TUNNEL_MIN_INNER_LEN)
		return drop(AGENT_INGRESS_MALFORMED_TUNNEL);
	__u32 inner_off = payload_off + TUNNEL_HEADER_LEN;
	__u32 inner_len = total - TUNNEL_HEADER_LEN;

	struct tcp_packet p = { .l3 = inner_off };
	switch (open_tcp(skb, &p)) {
	case OPEN_OK:
		break;
	case OPEN_NOT_TCP:
	case OPEN_FRAGMENT:
		return drop(AGENT_INGRESS_INNER_NOT_TCP);
	default:
		return drop(AGENT_INGRESS_MALFORMED_INNER);
	}
	if (bpf_ntohs(p.ip.tot_len) != inner_len)
		return drop(AGENT_INGRESS_MALFORMED_INNER);

	struct agent_ingress_key key = {
		.client_addr = p.ip.saddr,
		.vip_addr = p.ip.daddr,
		.client_port = p.tcp.source,
		.vip_port = p.tcp.dest,
	};
	struct agent_ingress_value *v = bpf_map_lookup_elem(&agent_ingress_flows, &key);
	if (!v) {
		count(AGENT_INGRESS_NO_FLOW);
		return to_agent(cfg);
	}
	if (tun.token != v->token)
		return drop(AGENT_INGRESS_BAD_TOKEN);
	/* The client's SYN or RST goes to the agent, as the egress program sends it the server's. */
	if (p.tcp.syn || p.tcp.rst) {
		count(AGENT_INGRESS_CONTROL_PASSED);
		return to_agent(cfg);
	}
	if (walk_options(skb, &p) < 0)
		return drop(AGENT_INGRESS_MALFORMED_INNER);

	/*
	 * Decapsulate: remove outer IPv4, UDP and the TUNNEL header right after the Ethernet header.
	 * By default the helper turns CHECKSUM_UNNECESSARY (a NIC's verdict on the outer datagram)
	 * into CHECKSUM_NONE, so the stack verifies the inner TCP checksum itself; CHECKSUM_COMPLETE
	 * is adjusted for the removed bytes.
	 */
	if (bpf_skb_adjust_room(skb, -(__s32)(outer_hl + UDP_HEADER_LEN + TUNNEL_HEADER_LEN), BPF_ADJ_ROOM_MAC,
				BPF_F_ADJ_ROOM_DECAP_L3_IPV4) < 0)
		return drop(AGENT_INGRESS_DECAP_FAILED);
	__u32 moved = inner_off - ETH_HEADER_LEN;
	p.l3 -= moved;
	p.l4 -= moved;

	/* PacketRewriter.clientToServer, field by field. */
	ip_store_address(skb, &p, IPV4_DESTINATION_OFFSET, p.ip.daddr, v->server_addr);
	tcp_store16(skb, &p, TCP_DEST_PORT_OFFSET, p.tcp.dest, v->server_port);
	tcp_store32(skb, &p, TCP_ACK_OFFSET, p.tcp.ack_seq, bpf_htonl(bpf_ntohl(p.tcp.ack_seq) - v->seq_offset));
	for (__u32 b = 0; b < TCP_MAX_SACK_BLOCKS * 2; b++) {
		if (b >= p.sack_blocks * 2)
			break;
		__u32 at = p.sack + 2 + b * 4;
		__u32 old_raw = tcp_load32(skb, &p, at);
		tcp_store32(skb, &p, at, old_raw, bpf_htonl(bpf_ntohl(old_raw) - v->seq_offset));
	}
	if ((v->flags & AGENT_FLOW_TIMESTAMPS) && p.ts) {
		__u32 at = p.ts + 6;
		__u32 old_raw = tcp_load32(skb, &p, at);
		tcp_store32(skb, &p, at, old_raw, bpf_htonl(bpf_ntohl(old_raw) - v->ts_offset));
	}
	__u32 ack_on_b = bpf_ntohl(p.tcp.ack_seq) - v->seq_offset;
	update_delivered(v, p.tcp.ack, ack_on_b);
	if (p.tcp.fin) {
		/* Noted before the stack has it, so its ACK of the FIN finds the note. */
		close_fin(&v->client_close, bpf_ntohl(p.tcp.seq) + (p.tcp_len - p.tcp_hl) + 1, AGENT_INGRESS_STATE_CONTENDED);
		struct agent_egress_key ek = {
			.server_addr = v->server_addr,
			.client_addr = key.client_addr,
			.server_port = v->server_port,
			.client_port = key.client_port,
		};
		struct agent_egress_value *ev = bpf_map_lookup_elem(&agent_egress_flows, &ek);
		if (ev)
			ev->client_fin = 1;
	}
	if (p.tcp.ack)
		close_ack(&key, v, &v->server_close, &v->client_close, ack_on_b, AGENT_INGRESS_STATE_CONTENDED);
	count(AGENT_INGRESS_DELIVERED);
	if (cfg->tun_ifindex)
		return bpf_redirect(cfg->tun_ifindex, BPF_F_INGRESS);
	return TC_ACT_OK;
}

/* GPL-compatible: the egress program's helpers need it, and both are built alike. */
char _license[] SEC("license") = "Dual BSD/GPL";
