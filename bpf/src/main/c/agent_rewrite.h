// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * What agent_egress.bpf.c and agent_ingress.bpf.c share: counting, the IPv4/TCP header checks
 * and the TCP option walk of org.handoff.protocol.transform.PacketRewriter (same order, same
 * verdicts), and the checksum-keeping field writes. Every packet access goes through
 * bpf_skb_load_bytes / bpf_skb_store_bytes, so headers in a non-linear skb (a GSO
 * super-packet's, a NIC's) need no pull, and every offset is a plain number.
 */
#ifndef AGENT_REWRITE_H
#define AGENT_REWRITE_H

#include <linux/bpf.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "agent_maps.h"

/* TCP option kinds, lengths and the walk: tcp_options.h (included by agent_maps.h) */

#define TCP_FLAG_FIN             0x01
#define TCP_FLAG_SYN             0x02
#define TCP_FLAG_RST             0x04
#define TCP_FLAG_ACK             0x10

/* Offsets inside the headers, as the Java views name them. */
#define IPV4_CHECKSUM_OFFSET     10
#define IPV4_SOURCE_OFFSET       12
#define IPV4_DESTINATION_OFFSET  16
#define TCP_SOURCE_PORT_OFFSET   0
#define TCP_DEST_PORT_OFFSET     2
#define TCP_SEQ_OFFSET           4
#define TCP_ACK_OFFSET           8
#define TCP_FLAGS_OFFSET         13
#define TCP_WINDOW_OFFSET        14
#define TCP_CHECKSUM_OFFSET      16
#define IPV4_FRAGMENT_MASK       0x3fff  /* MF and the fragment offset */

static __always_inline void count(__u32 index)
{
	__u64 *n = bpf_map_lookup_elem(&agent_counters, &index);

	if (n)
		*n += 1;  /* per-CPU: no other writer */
}

/* a - b >= 0 in sequence space (SeqNumber.max) */
static __always_inline __u32 seq_max(__u32 a, __u32 b)
{
	return (__s32)(a - b) >= 0 ? a : b;
}

/* The IPv4 and TCP header of a packet at l3, as PacketRewriter.open() accepts it. */
struct tcp_packet {
	struct iphdr ip;
	struct tcphdr tcp;
	__u32 l3;          /* IPv4 header offset from skb->data */
	__u32 l4;          /* TCP header offset from skb->data */
	__u32 tcp_len;     /* TCP header and payload: the IP total length minus the IP header */
	__u32 tcp_hl;      /* TCP header length, options included */
	/* option offsets from the TCP header, 0 when absent (the last of a kind wins, as in Java) */
	__u32 ts;
	__u32 sack;
	__u32 sack_blocks;
};

enum open_result {
	OPEN_OK = 0,
	OPEN_NOT_IPV4,
	OPEN_NOT_TCP,
	OPEN_FRAGMENT,
	OPEN_MALFORMED,
};

/*
 * Reads and checks the IPv4 header at p->l3 and the TCP header after it, in PacketRewriter's
 * order: version, Ipv4Packet.check() (header length, total length within the packet), protocol,
 * fragment, TCP data offset. The options are walked separately (walk_options), so a packet of a
 * flow not in the map costs no walk.
 */
static __always_inline int open_tcp(struct __sk_buff *skb, struct tcp_packet *p)
{
	__u32 len = skb->len;
	__u32 ihl;

	if (len < p->l3 + 1)
		return OPEN_NOT_IPV4;
	if (bpf_skb_load_bytes(skb, p->l3, &p->ip, 1) < 0 || p->ip.version != 4)
		return OPEN_NOT_IPV4;
	len -= p->l3;
	if (len < IPV4_MIN_HEADER_LEN || bpf_skb_load_bytes(skb, p->l3, &p->ip, sizeof(p->ip)) < 0)
		return OPEN_MALFORMED;
	ihl = p->ip.ihl * 4;
	if (ihl < IPV4_MIN_HEADER_LEN || ihl > len)
		return OPEN_MALFORMED;
	__u32 total = bpf_ntohs(p->ip.tot_len);
	if (total < ihl || total > len)
		return OPEN_MALFORMED;
	if (p->ip.protocol != IPPROTO_TCP)
		return OPEN_NOT_TCP;
	if (p->ip.frag_off & bpf_htons(IPV4_FRAGMENT_MASK))
		return OPEN_FRAGMENT;
	p->tcp_len = total - ihl;
	p->l4 = p->l3 + ihl;
	if (p->tcp_len < TCP_FIXED_HEADER_LEN || bpf_skb_load_bytes(skb, p->l4, &p->tcp, sizeof(p->tcp)) < 0)
		return OPEN_MALFORMED;
	p->tcp_hl = p->tcp.doff * 4;
	if (p->tcp_hl < TCP_FIXED_HEADER_LEN || p->tcp_hl > p->tcp_len)
		return OPEN_MALFORMED;
	return OPEN_OK;
}

/*
 * TcpOptions.walk: EOL ends, NOP is one byte, every other option needs a length byte of at
 * least 2 that stays inside the header, and the options this code knows have their fixed
 * lengths; the last SACK and timestamps option wins. At most TCP_MAX_OPTIONS_LEN steps of
 * bpf_loop, whose step the verifier checks once. Returns 0, or -1 when malformed.
 */
static __always_inline int walk_options(struct __sk_buff *skb, struct tcp_packet *p)
{
	struct option_walk w;
	__u32 end = p->tcp_hl - TCP_FIXED_HEADER_LEN;

	p->ts = 0;
	p->sack = 0;
	p->sack_blocks = 0;
	if (end == 0)
		return 0;
	if (end > TCP_MAX_OPTIONS_LEN)
		return -1;
	__u32 load = walk_start(&w, end);

	if (bpf_skb_load_bytes(skb, p->l4 + TCP_FIXED_HEADER_LEN, w.opt, load) < 0)
		return -1;
	if (walk_run(&w) < 0)
		return -1;
	p->ts = w.ts;
	p->sack = w.sack;
	p->sack_blocks = w.sack_blocks;
	return 0;
}

/*
 * bpf_l4_csum_replace's 4-byte form sums its values as two 16-bit words at even offsets. A
 * field at an odd offset from the TCP header (options need no alignment) straddles three words;
 * its bytes b0 b1 b2 b3 sum like the even-aligned word pair (b3 b0) (b1 b2), so both values are
 * passed rotated by one byte (PacketRewriter.add32OddAware does the same with a byte swap). The
 * values are the field's raw bytes as loaded on this little-endian target.
 */
static __always_inline __u32 csum_word_order(__u32 raw, __u32 offset_from_tcp)
{
	return (offset_from_tcp & 1) ? (raw << 8) | (raw >> 24) : raw;
}

/*
 * Writes a 32-bit field of the TCP header (raw network-order values) and keeps the TCP checksum:
 * the RFC 1624 update when the checksum is complete, nothing when it is partial (the completion
 * sums the new value itself), as PacketRewriter's VALID and PARTIAL states; the kernel decides
 * from the skb's ip_summed.
 */
static __always_inline void tcp_store32(struct __sk_buff *skb, struct tcp_packet *p, __u32 off, __u32 old_raw, __u32 new_raw)
{
	bpf_skb_store_bytes(skb, p->l4 + off, &new_raw, sizeof(new_raw), 0);
	bpf_l4_csum_replace(skb, p->l4 + TCP_CHECKSUM_OFFSET, csum_word_order(old_raw, off),
			    csum_word_order(new_raw, off), sizeof(new_raw));
}

/* A 16-bit field at an even offset of the TCP header (ports, window). */
static __always_inline void tcp_store16(struct __sk_buff *skb, struct tcp_packet *p, __u32 off, __u16 old_raw, __u16 new_raw)
{
	bpf_skb_store_bytes(skb, p->l4 + off, &new_raw, sizeof(new_raw), 0);
	bpf_l4_csum_replace(skb, p->l4 + TCP_CHECKSUM_OFFSET, old_raw, new_raw, sizeof(new_raw));
}

/*
 * An IPv4 address: the header checksum always (it is complete in every state), and the TCP
 * checksum as a pseudo-header change (BPF_F_PSEUDO_HDR: folded in also when it is partial).
 */
static __always_inline void ip_store_address(struct __sk_buff *skb, struct tcp_packet *p, __u32 off, __be32 old_addr, __be32 new_addr)
{
	bpf_skb_store_bytes(skb, p->l3 + off, &new_addr, sizeof(new_addr), 0);
	bpf_l3_csum_replace(skb, p->l3 + IPV4_CHECKSUM_OFFSET, old_addr, new_addr, sizeof(new_addr));
	bpf_l4_csum_replace(skb, p->l4 + TCP_CHECKSUM_OFFSET, old_addr, new_addr, BPF_F_PSEUDO_HDR | sizeof(new_addr));
}

/* Reads a 32-bit field of the TCP header (options included) as raw network-order bytes. */
static __always_inline __u32 tcp_load32(struct __sk_buff *skb, struct tcp_packet *p, __u32 off)
{
	__u32 raw = 0;

	bpf_skb_load_bytes(skb, p->l4 + off, &raw, sizeof(raw));
	return raw;
}

#endif
