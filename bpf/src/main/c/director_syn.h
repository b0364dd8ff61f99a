// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * director_xdp's SYN path: a client SYN to a VIP:port the director serves, carrying the
 * timestamps option, is answered here with the SYN-ACK the Java director would send for it when
 * it answers with a SYN cookie (org.handoff.director.tcp.TcpTerminator.onSyn, cookie branch), byte
 * for byte: the ISN is SynCookies.make over SipHash.hash3 with the director's secret, the TSval
 * SynCookies.timestampWithOptions on TcpTerminator.tsClock. The Java director first sees the
 * final ACK and rebuilds the flow from it (TcpTerminator.onCookieAck, with
 * TcpSettings.kernelAnswersSyns). So the Java side and this header must change together;
 * DirectorSynTest holds them to each other.
 *
 * The handshake's last packet, the client's pure ACK of the cookie, is dropped here too
 * (director_handshake_ack): an HTTP client's request follows it at once and carries the same
 * sequence number, acknowledgment and timestamp echo, so Java rebuilds the flow from the request
 * (onCookieAck takes any ACK) and wakes once per new connection instead of twice. The price: a
 * client that opens a connection and sends nothing leaves no state on the director (its later
 * request is still accepted within the cookie's two minutes), as for a Linux listener with
 * TCP_DEFER_ACCEPT.
 *
 *   in:  Ethernet | IPv4 (no options, not a fragment) | TCP SYN (no payload; options with timestamps)
 *   out: Ethernet (addresses swapped) | IPv4 (DF, TTL 64, id 0, TOS 0) | TCP SYN-ACK, XDP_TX
 *
 * Only SYNs with timestamps: a cookie carries the client's window shift and SACK-permitted in
 * the TSval, so without timestamps a cookie connection would lose window scaling for its whole
 * life. Those SYNs go to Java (XDP_PASS), which keeps state for them. Everything passed is
 * counted (director_maps.h, DIRECTOR_SYN_*).
 *
 * The clock is bpf_ktime_get_ns(), CLOCK_MONOTONIC: the clock System.nanoTime() reads on Linux,
 * and so the one the director stamps captured packets with (SystemClock.nanos()).
 *
 * Included by director_xdp.bpf.c, whose count() and ipv4_header_checksum() it uses.
 */
#ifndef HANDOFF_DIRECTOR_SYN_H
#define HANDOFF_DIRECTOR_SYN_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "director_maps.h"
#include "tcp_options.h"

/* the layouts Java mirrors (DirectorSynConfig, DirectorVipKey) and director_maps.h's comments state */
_Static_assert(sizeof(struct director_syn_config) == 24, "director_syn_config size");
_Static_assert(__builtin_offsetof(struct director_syn_config, secret1) == 8, "secret1");
_Static_assert(__builtin_offsetof(struct director_syn_config, mss) == 16, "mss");
_Static_assert(__builtin_offsetof(struct director_syn_config, window) == 18, "window");
_Static_assert(__builtin_offsetof(struct director_syn_config, window_shift) == 20, "window_shift");
_Static_assert(__builtin_offsetof(struct director_syn_config, enabled) == 21, "enabled");
_Static_assert(__builtin_offsetof(struct director_syn_config, reserved) == 22, "reserved");
_Static_assert(sizeof(struct director_vip) == 8, "director_vip size");
_Static_assert(__builtin_offsetof(struct director_vip, port) == 4, "director_vip port");

static __always_inline void count(__u32 index);
static __always_inline __u16 ipv4_header_checksum(const struct iphdr *ip);

/* a SYN without the MSS option: RFC 9293's default (TcpTerminator.onSyn) */
#define SYN_DEFAULT_MSS               536

/* SynCookies: the minute in the ISN's top 8 bits, 24 bits of hash + MSS index below it */
#define COOKIE_BITS                   24
#define COOKIE_MASK                   ((1u << COOKIE_BITS) - 1)
#define COOKIE_TS_OPTION_MASK         0x3f   /* SynCookies.TS_OPTION_MASK: the TSval's low 6 bits */
#define COOKIE_MAX_AGE_MINUTES        2      /* SynCookies.MAX_AGE_MINUTES */
#define COOKIE_MSS_COUNT              4      /* SynCookies.MSS_TABLE's length */
#define COOKIE_TS_SHIFT_NONE          0xf
#define COOKIE_TS_SACK                (1 << 4)
#define NANOS_PER_MILLI               1000000ull
#define NANOS_PER_MINUTE              60000000000ull

/* SipHash message word 2 ("variant"): what each hash of the director's secret is for (Java's) */
#define SIPHASH_VARIANT_COOKIE_H0     0
#define SIPHASH_VARIANT_COOKIE_H1     1
#define SIPHASH_VARIANT_TS_OFFSET     3

/* what the SYN-ACK sends: MSS (4), SACK-permitted or NOP NOP (2), timestamps (10), NOP + window scale (4) */
#define SYN_ACK_TCP_LEN               36
#define SYN_ACK_TCP_LEN_WITH_SCALE    40
#define SYN_ACK_TTL                   64
#define SYN_ACK_IP_DF                 0x4000
#define SYN_ACK_FLAGS                 0x12   /* SYN | ACK */

/* SynCookies.MSS_TABLE: the MSS values a cookie can carry (index 0 is 536) */
#define COOKIE_MSS_1                  1300
#define COOKIE_MSS_2                  1440
#define COOKIE_MSS_3                  1460

#define SIP_ROUND(v0, v1, v2, v3) do {                                            \
	v0 += v1; v1 = rotl64(v1, 13); v1 ^= v0; v0 = rotl64(v0, 32);             \
	v2 += v3; v3 = rotl64(v3, 16); v3 ^= v2;                                  \
	v0 += v3; v3 = rotl64(v3, 21); v3 ^= v0;                                  \
	v2 += v1; v1 = rotl64(v1, 17); v1 ^= v2; v2 = rotl64(v2, 32);             \
} while (0)

static __always_inline __u64 rotl64(__u64 x, int b)
{
	return (x << b) | (x >> (64 - b));
}

static __always_inline void siphash_compress(__u64 *v0, __u64 *v1, __u64 *v2, __u64 *v3, __u64 m)
{
	*v3 ^= m;
	SIP_ROUND(*v0, *v1, *v2, *v3);
	SIP_ROUND(*v0, *v1, *v2, *v3);
	*v0 ^= m;
}

/* SipHash-2-4 of three 64-bit little-endian words: SipHash.hash3 */
static __always_inline __u64 siphash3(__u64 k0, __u64 k1, __u64 m0, __u64 m1, __u64 m2)
{
	__u64 v0 = k0 ^ 0x736f6d6570736575ull;
	__u64 v1 = k1 ^ 0x646f72616e646f6dull;
	__u64 v2 = k0 ^ 0x6c7967656e657261ull;
	__u64 v3 = k1 ^ 0x7465646279746573ull;

	siphash_compress(&v0, &v1, &v2, &v3, m0);
	siphash_compress(&v0, &v1, &v2, &v3, m1);
	siphash_compress(&v0, &v1, &v2, &v3, m2);
	siphash_compress(&v0, &v1, &v2, &v3, 24ull << 56);  /* the length block */
	v2 ^= 0xff;
	SIP_ROUND(v0, v1, v2, v3);
	SIP_ROUND(v0, v1, v2, v3);
	SIP_ROUND(v0, v1, v2, v3);
	SIP_ROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

/* A connection's endpoints as the Java director holds them: addresses and ports as numbers. */
struct syn_endpoints {
	__u32 client_addr;
	__u32 vip_addr;
	__u16 client_port;
	__u16 vip_port;
};

/* SynCookies.hash: the addresses in word 0, the ports and the minute in word 1 */
static __always_inline __u32 cookie_hash(const struct director_syn_config *c, const struct syn_endpoints *e,
					 __u32 minute, __u64 variant)
{
	return (__u32)siphash3(c->secret0, c->secret1, (__u64)e->client_addr << 32 | e->vip_addr,
			       (__u64)e->client_port << 48 | (__u64)e->vip_port << 32 | minute, variant);
}

/* SynCookies.make */
static __always_inline __u32 cookie_make(const struct director_syn_config *c, const struct syn_endpoints *e,
					 __u32 client_isn, __u32 minute, __u32 mss_index)
{
	__u32 h0 = cookie_hash(c, e, 0, SIPHASH_VARIANT_COOKIE_H0);
	__u32 h1 = cookie_hash(c, e, minute, SIPHASH_VARIANT_COOKIE_H1);

	return h0 + client_isn + (minute << COOKIE_BITS) + ((h1 + mss_index) & COOKIE_MASK);
}

/* SynCookies.check: the MSS index of a cookie made in this minute or the one before, or -1 */
static __always_inline int cookie_check(const struct director_syn_config *c, const struct syn_endpoints *e,
					__u32 client_isn, __u32 cookie, __u32 minute)
{
	__u32 h0 = cookie_hash(c, e, 0, SIPHASH_VARIANT_COOKIE_H0);
	__u32 rest = cookie - h0 - client_isn;
	__u32 age = (minute - (rest >> COOKIE_BITS)) & (0xffffffffu >> COOKIE_BITS);
	__u32 index;

	if (age >= COOKIE_MAX_AGE_MINUTES)
		return -1;
	index = (rest - cookie_hash(c, e, minute - age, SIPHASH_VARIANT_COOKIE_H1)) & COOKIE_MASK;
	return index < COOKIE_MSS_COUNT ? (int)index : -1;
}

/* SynCookies.mssIndex: the largest table MSS not above the client's offer (0 below 536) */
static __always_inline __u32 cookie_mss_index(__u32 client_mss)
{
	/* the table rises, so the index is how many entries after the first fit */
	return (client_mss >= COOKIE_MSS_1) + (client_mss >= COOKIE_MSS_2) + (client_mss >= COOKIE_MSS_3);
}

/* TcpTerminator.tsClock: milliseconds of the monotonic clock plus the connection's keyed offset */
static __always_inline __u32 director_ts_clock(const struct director_syn_config *c, const struct syn_endpoints *e,
					       __u64 now_ns)
{
	__u32 offset = (__u32)siphash3(c->secret0, c->secret1, (__u64)e->client_addr << 32 | e->vip_addr,
				       (__u64)e->client_port << 16 | e->vip_port, SIPHASH_VARIANT_TS_OFFSET);

	return (__u32)(now_ns / NANOS_PER_MILLI) + offset;
}

/* SynCookies.timestampWithOptions: the client's shift (or none) and SACK in the low 6 bits, never above ts_now */
static __always_inline __u32 cookie_timestamp(__u32 ts_now, int client_shift, int sack_permitted)
{
	__u32 options = (client_shift < 0 ? COOKIE_TS_SHIFT_NONE : (__u32)client_shift)
		| (sack_permitted ? COOKIE_TS_SACK : 0);
	__u32 ts = (ts_now & ~(__u32)COOKIE_TS_OPTION_MASK) | options;

	if (ts > ts_now)
		ts -= COOKIE_TS_OPTION_MASK + 1;
	return ts;
}

/* What the client's SYN offers, read by tcp_options.h's walk as TcpOptions.walk reads it. */
struct syn_offer {
	__u32 mss;              /* SYN_DEFAULT_MSS when absent */
	int shift;              /* at most TCP_MAX_WINDOW_SHIFT; -1 when absent */
	int sack_permitted;
	int timestamps;
	__u32 ts_val;           /* host order */
};

/* Reads the options of the SYN whose TCP header starts at tcp_offset; 0, or -1 when malformed. */
static __always_inline int syn_read_offer(struct xdp_md *ctx, __u32 tcp_offset, __u32 tcp_header_len,
					  struct syn_offer *offer)
{
	struct option_walk w;
	__u32 end = tcp_header_len - TCP_FIXED_HEADER_LEN;

	offer->mss = SYN_DEFAULT_MSS;
	offer->shift = -1;
	offer->sack_permitted = 0;
	offer->timestamps = 0;
	offer->ts_val = 0;
	if (end == 0)
		return 0;
	if (end > TCP_MAX_OPTIONS_LEN)
		return -1;
	__u32 load = walk_start(&w, end);

	if (bpf_xdp_load_bytes(ctx, tcp_offset + TCP_FIXED_HEADER_LEN, w.opt, load) < 0)
		return -1;
	if (walk_run(&w) < 0)
		return -1;
	if (w.mss)
		offer->mss = (__u32)option_byte(&w, w.mss + 2) << 8 | option_byte(&w, w.mss + 3);
	if (w.window_scale) {
		offer->shift = option_byte(&w, w.window_scale + 2);
		if (offer->shift > TCP_MAX_WINDOW_SHIFT)
			offer->shift = TCP_MAX_WINDOW_SHIFT;
	}
	offer->sack_permitted = w.sack_permitted != 0;
	if (w.ts) {
		offer->timestamps = 1;
		offer->ts_val = (__u32)option_byte(&w, w.ts + 2) << 24 | (__u32)option_byte(&w, w.ts + 3) << 16
			| (__u32)option_byte(&w, w.ts + 4) << 8 | option_byte(&w, w.ts + 5);
	}
	return 0;
}

/* RFC 1071 over the pseudo-header and a SYN-ACK's TCP header, built on the stack */
static __always_inline __u16 syn_ack_tcp_checksum(__be32 saddr, __be32 daddr, const void *tcp, __u32 tcp_len)
{
	const __u16 *word = tcp;
	__u32 sum = (saddr >> 16) + (saddr & 0xffff) + (daddr >> 16) + (daddr & 0xffff)
		+ bpf_htons(IPPROTO_TCP) + bpf_htons(tcp_len);

#pragma unroll
	for (__u32 i = 0; i < SYN_ACK_TCP_LEN_WITH_SCALE / 2; i++)
		if (i < tcp_len / 2)
			sum += word[i];
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

struct syn_ack_tcp {
	struct tcphdr tcp;
	__u8 options[SYN_ACK_TCP_LEN_WITH_SCALE - sizeof(struct tcphdr)];
};

/*
 * A bare SYN (SYN without ACK or RST, as TcpTerminator.onPacketWithoutFlow tells one) of no
 * handed-off flow, whose IPv4 header (20 bytes, not a fragment, lengths checked) and fixed TCP
 * header director_xdp has checked. Answers it (XDP_TX) or passes it, counted either way.
 */
static __always_inline int director_syn(struct xdp_md *ctx, __u32 ip_len, __u32 tcp_header_len)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = data + sizeof(*eth);
	struct tcphdr *tcp = (void *)(ip + 1);
	__u32 key = 0;
	struct director_syn_config *config = bpf_map_lookup_elem(&director_syn_config, &key);
	struct director_vip vip = {};
	struct syn_offer w;
	struct syn_endpoints e;
	struct syn_ack_tcp out = {};
	struct iphdr out_ip = {};
	__u8 client_mac[ETH_ALEN];
	__u8 vip_mac[ETH_ALEN];
	__u32 frame_len, out_tcp_len, out_frame_len, client_isn, minute, mss_index, ts_val;
	__u64 now_ns;

	if ((void *)(tcp + 1) > data_end)
		return XDP_ABORTED; /* cannot happen: director_xdp checked the TCP header */
	if (!config || !config->enabled) {
		count(DIRECTOR_PASSED_NO_FLOW); /* Java answers every SYN, as without this path */
		return XDP_PASS;
	}
	vip.addr = ip->daddr;
	vip.port = tcp->dest;
	if (!bpf_map_lookup_elem(&director_vips, &vip)) {
		count(DIRECTOR_SYN_PASSED_NOT_SERVED);
		return XDP_PASS;
	}
	if (ip_len != sizeof(*ip) + tcp_header_len) {
		count(DIRECTOR_SYN_PASSED_PAYLOAD);
		return XDP_PASS;
	}
	if (syn_read_offer(ctx, sizeof(*eth) + sizeof(*ip), tcp_header_len, &w) < 0) {
		count(DIRECTOR_SYN_PASSED_MALFORMED);
		return XDP_PASS;
	}
	if (!w.timestamps) {
		count(DIRECTOR_SYN_PASSED_NO_TIMESTAMPS);
		return XDP_PASS;
	}

	/* the packet pointers again after the helper calls (none of them moves the packet; cheap) */
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	eth = data;
	ip = data + sizeof(*eth);
	tcp = (void *)(ip + 1);
	if ((void *)(tcp + 1) > data_end)
		return XDP_ABORTED;

	e.client_addr = bpf_ntohl(ip->saddr);
	e.vip_addr = bpf_ntohl(ip->daddr);
	e.client_port = bpf_ntohs(tcp->source);
	e.vip_port = bpf_ntohs(tcp->dest);
	client_isn = bpf_ntohl(tcp->seq);
	now_ns = bpf_ktime_get_ns();
	minute = (__u32)(now_ns / NANOS_PER_MINUTE);
	mss_index = cookie_mss_index(w.mss);
	ts_val = cookie_timestamp(director_ts_clock(config, &e, now_ns), w.shift, w.sack_permitted);

	/* TcpTerminator.emitSynAck with the cookie branch's values, options as TcpRepr.emit lays them out */
	out_tcp_len = w.shift >= 0 ? SYN_ACK_TCP_LEN_WITH_SCALE : SYN_ACK_TCP_LEN;
	out.tcp.source = tcp->dest;
	out.tcp.dest = tcp->source;
	out.tcp.seq = bpf_htonl(cookie_make(config, &e, client_isn, minute, mss_index));
	out.tcp.ack_seq = bpf_htonl(client_isn + 1);
	((__u8 *)&out.tcp)[12] = (__u8)(out_tcp_len / 4) << 4;
	((__u8 *)&out.tcp)[13] = SYN_ACK_FLAGS;
	out.tcp.window = bpf_htons(config->window);
	out.options[0] = TCP_OPT_MSS;
	out.options[1] = TCP_OPT_MSS_LEN;
	out.options[2] = config->mss >> 8;
	out.options[3] = config->mss & 0xff;
	if (w.sack_permitted) {
		out.options[4] = TCP_OPT_SACK_PERMITTED;
		out.options[5] = TCP_OPT_SACK_PERM_LEN;
	} else {
		out.options[4] = TCP_OPT_NOP;
		out.options[5] = TCP_OPT_NOP;
	}
	out.options[6] = TCP_OPT_TIMESTAMPS;
	out.options[7] = TCP_OPT_TIMESTAMPS_LEN;
	out.options[8] = ts_val >> 24;
	out.options[9] = ts_val >> 16;
	out.options[10] = ts_val >> 8;
	out.options[11] = ts_val;
	out.options[12] = w.ts_val >> 24;  /* TSecr: the client's TSval */
	out.options[13] = w.ts_val >> 16;
	out.options[14] = w.ts_val >> 8;
	out.options[15] = w.ts_val;
	if (w.shift >= 0) {
		out.options[16] = TCP_OPT_NOP;
		out.options[17] = TCP_OPT_WINDOW_SCALE;
		out.options[18] = TCP_OPT_WINDOW_SCALE_LEN;
		out.options[19] = config->window_shift;
	}

	out_ip.version = 4;
	out_ip.ihl = 5;
	out_ip.tot_len = bpf_htons(sizeof(out_ip) + out_tcp_len);
	out_ip.frag_off = bpf_htons(SYN_ACK_IP_DF);
	out_ip.ttl = SYN_ACK_TTL;
	out_ip.protocol = IPPROTO_TCP;
	out_ip.saddr = ip->daddr;
	out_ip.daddr = ip->saddr;
	out_ip.check = ipv4_header_checksum(&out_ip);
	out.tcp.check = syn_ack_tcp_checksum(out_ip.saddr, out_ip.daddr, &out, out_tcp_len);
	__builtin_memcpy(client_mac, eth->h_source, ETH_ALEN);
	__builtin_memcpy(vip_mac, eth->h_dest, ETH_ALEN);

	/* from here on the frame is the SYN-ACK: everything above came out of it into the stack */
	frame_len = data_end - data;
	out_frame_len = sizeof(*eth) + sizeof(out_ip) + out_tcp_len;
	if (frame_len != out_frame_len && bpf_xdp_adjust_tail(ctx, (int)out_frame_len - (int)frame_len)) {
		count(DIRECTOR_SYN_PASSED_NO_ROOM);
		return XDP_PASS;
	}
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	eth = data;
	if (data + sizeof(*eth) + sizeof(out_ip) + SYN_ACK_TCP_LEN > data_end)
		return XDP_ABORTED; /* cannot happen: the frame was just sized */
	__builtin_memcpy(eth->h_dest, client_mac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, vip_mac, ETH_ALEN);
	__builtin_memcpy(data + sizeof(*eth), &out_ip, sizeof(out_ip));
	if (w.shift >= 0) {
		if (data + sizeof(*eth) + sizeof(out_ip) + SYN_ACK_TCP_LEN_WITH_SCALE > data_end)
			return XDP_ABORTED;
		__builtin_memcpy(data + sizeof(*eth) + sizeof(out_ip), &out, SYN_ACK_TCP_LEN_WITH_SCALE);
	} else {
		__builtin_memcpy(data + sizeof(*eth) + sizeof(out_ip), &out, SYN_ACK_TCP_LEN);
	}
	count(DIRECTOR_SYN_ANSWERED);
	return XDP_TX;
}

/*
 * A pure ACK (ACK alone of SYN, FIN and RST; no payload) of no handed-off flow, whose headers
 * director_xdp has checked. Dropped when it ends a handshake this path (or Java's cookie
 * branch) answered: to a served VIP:port, its sequence number the client's ISN + 1 and its
 * acknowledgment a valid cookie + 1 for that ISN, the test TcpTerminator.onCookieAck makes.
 * Any other ACK (a flow Java holds with state, a later ACK, a stale cookie) goes to Java.
 */
static __always_inline int director_handshake_ack(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct iphdr *ip = data + sizeof(struct ethhdr);
	struct tcphdr *tcp = (void *)(ip + 1);
	__u32 key = 0;
	struct director_syn_config *config = bpf_map_lookup_elem(&director_syn_config, &key);
	struct director_vip vip = {};
	struct syn_endpoints e;

	if ((void *)(tcp + 1) > data_end)
		return XDP_ABORTED; /* cannot happen: director_xdp checked the TCP header */
	vip.addr = ip->daddr;
	vip.port = tcp->dest;
	if (!config || !config->enabled || !bpf_map_lookup_elem(&director_vips, &vip))
		goto pass;
	e.client_addr = bpf_ntohl(ip->saddr);
	e.vip_addr = bpf_ntohl(ip->daddr);
	e.client_port = bpf_ntohs(tcp->source);
	e.vip_port = bpf_ntohs(tcp->dest);
	if (cookie_check(config, &e, bpf_ntohl(tcp->seq) - 1, bpf_ntohl(tcp->ack_seq) - 1,
			 (__u32)(bpf_ktime_get_ns() / NANOS_PER_MINUTE)) < 0)
		goto pass;
	count(DIRECTOR_HANDSHAKE_ACK_DROPPED);
	return XDP_DROP;
pass:
	count(DIRECTOR_PASSED_NO_FLOW);
	return XDP_PASS;
}

#endif
