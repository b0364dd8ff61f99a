// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * tc egress on the TUN ho-tun0, where connection B's packets leave the origin's stack (table T
 * routes "from H" into it). A packet of a flow in agent_egress_flows is rewritten exactly as
 * PacketRewriter.serverToClient rewrites it (source H:server port -> VIP:port, seq + d, window
 * rescaled ws -> wd, TSval + t floored) and sent on from here: it never reaches user space. A
 * GSO super-packet is one skb here, before segmentation: rewritten once, its segments carry it.
 * Anything else returns TC_ACT_OK untouched and reaches the TUN's reader, the agent, as before:
 * packets of other flows, and a mapped flow's SYN and RST when its entry asks for that
 * (AGENT_FLOW_CONTROL_TO_AGENT). A FIN is rewritten like data and noted for the close
 * (agent_close.h), as is the stack's ACK of the client's FIN.
 *
 * Sections: "tc" agent_egress for the TUN (an L3 device: skb data starts at the IPv4 header),
 * "tc" agent_egress_eth for an Ethernet device, where the IPv4 header follows 14 bytes of link
 * header (a veth in tests, and BPF_PROG_TEST_RUN, whose skbs always carry one). Both run the
 * same code; only the offset differs.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "agent_maps.h"
#include "agent_rewrite.h"
#include "agent_close.h"

#ifndef AF_INET
#define AF_INET 2
#endif

/* FlowTransform.rescaleWindow: ceil((w << ws) / 2^wd), at most 65535. */
static __always_inline __u16 rescale_window(__u16 window, __u8 server_shift, __u8 director_shift)
{
	__u32 ws = server_shift > TCP_MAX_WINDOW_SHIFT ? TCP_MAX_WINDOW_SHIFT : server_shift;
	__u32 wd = director_shift > TCP_MAX_WINDOW_SHIFT ? TCP_MAX_WINDOW_SHIFT : director_shift;

	if (ws == wd)
		return window;
	__u64 bytes = (__u64)window << ws;
	__u64 scaled = (bytes + (1ULL << wd) - 1) >> wd;
	return scaled > 0xffff ? 0xffff : (__u16)scaled;
}

/*
 * Moves a state word with a bounded compare-and-swap: sent = (max server_next, max TSval), acked
 * = (max ack, last window, flags or-ed). Packets of one TCP socket leave under its lock, so two
 * CPUs rarely meet here; when they do, the loser retries on the winner's value.
 */
static __always_inline void update_sent(struct agent_egress_value *v, __u32 seq_end, int wrote_ts, __u32 ts_val)
{
	for (int i = 0; i < AGENT_STATE_CAS_TRIES; i++) {
		__u64 cur = v->sent;
		__u32 next = seq_max((__u32)(cur >> 32), seq_end);
		__u32 ts = wrote_ts ? seq_max((__u32)cur, ts_val) : (__u32)cur;
		__u64 want = ((__u64)next << 32) | ts;
		if (want == cur || __sync_val_compare_and_swap(&v->sent, cur, want) == cur)
			return;
	}
	count(AGENT_EGRESS_STATE_CONTENDED);
}

static __always_inline void update_acked(struct agent_egress_value *v, int has_ack, __u32 ack, __u16 window, __u8 flags)
{
	for (int i = 0; i < AGENT_STATE_CAS_TRIES; i++) {
		__u64 cur = v->acked;
		__u32 acked = has_ack ? seq_max((__u32)(cur >> 32), ack) : (__u32)(cur >> 32);
		__u64 seen = ((cur >> AGENT_ACKED_FLAGS_SHIFT) & AGENT_ACKED_FLAGS_MASK) | flags;
		__u64 want = ((__u64)acked << 32) | (seen << AGENT_ACKED_FLAGS_SHIFT) | window;
		if (want == cur || __sync_val_compare_and_swap(&v->acked, cur, want) == cur)
			return;
	}
	count(AGENT_EGRESS_STATE_CONTENDED);
}

/*
 * The server's FIN, or the stack's ACK once the client's FIN went through (client_fin): noted in
 * the flow's ingress entry, where the close words are. Looked up only then, not per packet.
 */
static __always_inline void follow_close(const struct agent_egress_key *key, struct agent_egress_value *v, __u8 flags,
					 __u32 seq_end, __u32 ack)
{
	struct agent_ingress_key ik = {
		.client_addr = key->client_addr,
		.vip_addr = v->vip_addr,
		.client_port = key->client_port,
		.vip_port = v->vip_port,
	};
	struct agent_ingress_value *iv = bpf_map_lookup_elem(&agent_ingress_flows, &ik);
	if (!iv)
		return;
	if (flags & TCP_FLAG_FIN)
		close_fin(&iv->server_close, seq_end, AGENT_EGRESS_STATE_CONTENDED);
	if (flags & TCP_FLAG_ACK)
		close_ack(&ik, iv, &iv->client_close, &iv->server_close, ack, AGENT_EGRESS_STATE_CONTENDED);
}

/*
 * Where the rewritten packet goes (agent_config.egress_mode). AGENT_EGRESS_FIB asks the FIB what
 * the kernel's forward path would (as if the packet arrived on the TUN: bpf_fib_lookup with the
 * TUN's ifindex, so policy rules, the main table and the TUN's forwarding switch all apply),
 * before anything is rewritten: with no way out the packet goes to the agent untouched.
 */
static __always_inline int route(struct __sk_buff *skb, struct tcp_packet *p, struct agent_egress_value *v,
				 struct bpf_fib_lookup *fib)
{
	__builtin_memset(fib, 0, sizeof(*fib));
	fib->family = AF_INET;
	fib->tos = p->ip.tos;
	fib->l4_protocol = IPPROTO_TCP;
	fib->sport = v->vip_port;
	fib->dport = p->tcp.dest;
	fib->ipv4_src = v->vip_addr;
	fib->ipv4_dst = p->ip.daddr;
	fib->ifindex = skb->ifindex;
	return bpf_fib_lookup(skb, fib, sizeof(*fib), 0);
}

/* Sends the rewritten packet out of the FIB's device: a link header in front when there is none. */
static __always_inline int send(struct __sk_buff *skb, __u32 l3, struct bpf_fib_lookup *fib, int fib_rc)
{
	struct ethhdr eth;

	if (l3 == 0 && bpf_skb_change_head(skb, ETH_HEADER_LEN, 0) < 0) {
		count(AGENT_EGRESS_NO_ROUTE);
		return TC_ACT_SHOT;  /* already rewritten: the agent could not use it; TCP retransmits */
	}
	__builtin_memcpy(eth.h_dest, fib->dmac, ETH_ALEN);
	__builtin_memcpy(eth.h_source, fib->smac, ETH_ALEN);
	eth.h_proto = bpf_htons(ETH_P_IP);
	bpf_skb_store_bytes(skb, 0, &eth, sizeof(eth), 0);
	if (fib_rc == BPF_FIB_LKUP_RET_SUCCESS)
		return bpf_redirect(fib->ifindex, 0);
	/* No neighbour entry yet: the kernel resolves the next hop and fills the MACs itself. */
	struct bpf_redir_neigh nh = { .nh_family = AF_INET, .ipv4_nh = fib->ipv4_dst };
	return bpf_redirect_neigh(fib->ifindex, &nh, sizeof(nh), 0);
}

static __always_inline int egress(struct __sk_buff *skb, __u32 l3)
{
	struct tcp_packet p = { .l3 = l3 };
	__u32 zero = 0;

	switch (open_tcp(skb, &p)) {
	case OPEN_OK:
		break;
	case OPEN_NOT_IPV4:
		count(AGENT_EGRESS_NOT_IPV4);
		return TC_ACT_OK;
	case OPEN_NOT_TCP:
		count(AGENT_EGRESS_NOT_TCP);
		return TC_ACT_OK;
	case OPEN_FRAGMENT:
		count(AGENT_EGRESS_FRAGMENT);
		return TC_ACT_OK;
	default:
		count(AGENT_EGRESS_MALFORMED);
		return TC_ACT_OK;
	}

	struct agent_egress_key key = {
		.server_addr = p.ip.saddr,
		.client_addr = p.ip.daddr,
		.server_port = p.tcp.source,
		.client_port = p.tcp.dest,
	};
	struct agent_egress_value *v = bpf_map_lookup_elem(&agent_egress_flows, &key);
	if (!v) {
		count(AGENT_EGRESS_NO_FLOW);
		return TC_ACT_OK;
	}
	__u8 flags = ((__u8 *)&p.tcp)[TCP_FLAGS_OFFSET];
	if ((v->flags & AGENT_FLOW_CONTROL_TO_AGENT) && (flags & (TCP_FLAG_SYN | TCP_FLAG_RST))) {
		count(AGENT_EGRESS_CONTROL_PASSED);
		return TC_ACT_OK;
	}
	if (walk_options(skb, &p) < 0) {
		count(AGENT_EGRESS_MALFORMED);
		return TC_ACT_OK;
	}
	struct agent_config *cfg = bpf_map_lookup_elem(&agent_config, &zero);
	__u8 mode = cfg ? cfg->egress_mode : AGENT_EGRESS_FIB;
	struct bpf_fib_lookup fib;
	int fib_rc = 0;
	if (mode == AGENT_EGRESS_FIB) {
		fib_rc = route(skb, &p, v, &fib);
		if (fib_rc != BPF_FIB_LKUP_RET_SUCCESS && fib_rc != BPF_FIB_LKUP_RET_NO_NEIGH) {
			count(AGENT_EGRESS_NO_ROUTE);
			return TC_ACT_OK;
		}
	}

	/* PacketRewriter.serverToClient, field by field. */
	ip_store_address(skb, &p, IPV4_SOURCE_OFFSET, p.ip.saddr, v->vip_addr);
	tcp_store16(skb, &p, TCP_SOURCE_PORT_OFFSET, p.tcp.source, v->vip_port);
	__u32 seq = bpf_ntohl(p.tcp.seq);
	tcp_store32(skb, &p, TCP_SEQ_OFFSET, p.tcp.seq, bpf_htonl(seq + v->seq_offset));
	__u16 window = bpf_ntohs(p.tcp.window);
	if (!(flags & TCP_FLAG_SYN)) {
		/* A SYN's window is never scaled (RFC 7323 2.2). */
		__u16 scaled = rescale_window(window, v->server_shift, v->director_shift);
		if (scaled != window) {
			tcp_store16(skb, &p, TCP_WINDOW_OFFSET, p.tcp.window, bpf_htons(scaled));
			window = scaled;
		}
	}
	int wrote_ts = 0;
	__u32 ts_val = 0;
	if ((v->flags & AGENT_FLOW_TIMESTAMPS) && p.ts) {
		__u32 at = p.ts + 2;
		__u32 old_raw = tcp_load32(skb, &p, at);
		ts_val = seq_max(bpf_ntohl(old_raw) + v->ts_offset, v->ts_floor);
		tcp_store32(skb, &p, at, old_raw, bpf_htonl(ts_val));
		wrote_ts = 1;
	}

	/* The hand-back's view of what the client has been sent (B's numbering, A's clock). */
	__u32 seq_end = seq + (p.tcp_len - p.tcp_hl) + ((flags & TCP_FLAG_SYN) ? 1 : 0) + ((flags & TCP_FLAG_FIN) ? 1 : 0);
	update_sent(v, seq_end, wrote_ts, ts_val);
	update_acked(v, flags & TCP_FLAG_ACK, bpf_ntohl(p.tcp.ack_seq), window, flags);
	count(AGENT_EGRESS_REWRITTEN);
	if ((flags & TCP_FLAG_FIN) || ((flags & TCP_FLAG_ACK) && v->client_fin))
		follow_close(&key, v, flags, seq_end, bpf_ntohl(p.tcp.ack_seq));

	if (mode == AGENT_EGRESS_FIB)
		return send(skb, l3, &fib, fib_rc);
	/* The TUN's own ingress: the kernel forwards it, as the agent's write(2) did in link mode forward. */
	return bpf_redirect(skb->ifindex, BPF_F_INGRESS);
}

SEC("tc")
int agent_egress(struct __sk_buff *skb)
{
	return egress(skb, 0);
}

SEC("tc")
int agent_egress_eth(struct __sk_buff *skb)
{
	return egress(skb, ETH_HEADER_LEN);
}

/* GPL-compatible: bpf_fib_lookup and bpf_redirect_neigh are GPL-only helpers. */
char _license[] SEC("license") = "Dual BSD/GPL";
