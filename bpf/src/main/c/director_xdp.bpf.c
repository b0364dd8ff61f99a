// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * director_xdp (xdp), on the director's capture interface: a client packet of a handed-off
 * flow goes to the owning agent as a TUNNEL datagram (handoff_tunnel.h) without waking the
 * Java director. Only what needs no routing decision: pure ACKs (no payload; ACK set; no SYN,
 * FIN or RST), or every packet but a SYN of a flow marked DIRECTOR_FLOW_TUNNEL_ALL (a SYN there
 * is a reused client port's new connection, Java's). A bare SYN of no handed-off flow goes to
 * director_syn.h, which answers it with the director's cookie SYN-ACK (XDP_TX) when it carries
 * timestamps and Java has enabled that path, and drops the pure ACK that ends such a handshake
 * (the request after it makes the flow in Java).
 *
 *   in:  Ethernet | IPv4 (no options, not a fragment) | TCP ...
 *   out: Ethernet (next hop) | IPv4 (DF, TTL 64, id 0) | UDP (checksum 0) | TUNNEL (16) | the IPv4 packet unchanged
 *
 * The next hop comes from director_next_hops, which the Java director fills from the kernel's
 * route and neighbour tables (not bpf_fib_lookup, which refuses on a director with forwarding
 * off). Everything else, and every packet the program cannot send (no next hop for the agent,
 * too big for the egress MTU, no headroom), is XDP_PASS untouched: the capture sees it as
 * before and Java forwards it by FORWARD, so nothing is lost. Each frame bumps exactly one
 * director_counters index.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "handoff_tunnel.h"
#include "director_maps.h"
#include "director_syn.h"

#define OUTER_TTL               64
#define IP_DF                   0x4000
#define IP_MF_AND_OFFSET        0x3fff
/* the UDP source port is a hash of the inner flow, in the dynamic range (RFC 6335) */
#define TUNNEL_SOURCE_PORT_BASE 0xC000
#define IPV4_MAX_TOTAL_LENGTH   0xffff

/* what encapsulation puts in front of the client's IPv4 packet, Ethernet included */
#define OUTER_HEADERS_LEN       (sizeof(struct ethhdr) + TUNNEL_OVERHEAD)

/* the layouts Java mirrors (DirectorFlowKey, DirectorFlowEntry) and director_maps.h's comments state */
_Static_assert(sizeof(struct director_flow_key) == 12, "director_flow_key size");
_Static_assert(__builtin_offsetof(struct director_flow_key, vip_addr) == 4, "vip_addr");
_Static_assert(__builtin_offsetof(struct director_flow_key, client_port) == 8, "client_port");
_Static_assert(__builtin_offsetof(struct director_flow_key, vip_port) == 10, "vip_port");
_Static_assert(sizeof(struct director_flow) == 40, "director_flow size");
_Static_assert(__builtin_offsetof(struct director_flow, source_addr) == 4, "source_addr");
_Static_assert(__builtin_offsetof(struct director_flow, agent_port) == 8, "agent_port");
_Static_assert(__builtin_offsetof(struct director_flow, flags) == 10, "flags");
_Static_assert(__builtin_offsetof(struct director_flow, last_ack) == 12, "last_ack");
_Static_assert(__builtin_offsetof(struct director_flow, token) == 16, "token");
_Static_assert(__builtin_offsetof(struct director_flow, packets) == 24, "packets");
_Static_assert(__builtin_offsetof(struct director_flow, bytes) == 32, "bytes");
_Static_assert(sizeof(struct director_next_hop) == 20, "director_next_hop size");
_Static_assert(__builtin_offsetof(struct director_next_hop, mtu) == 4, "mtu");
_Static_assert(__builtin_offsetof(struct director_next_hop, dest_mac) == 8, "dest_mac");
_Static_assert(__builtin_offsetof(struct director_next_hop, source_mac) == 14, "source_mac");
_Static_assert(sizeof(struct handoff_tunnel_hdr) == TUNNEL_HEADER_LEN, "handoff_tunnel_hdr");
_Static_assert(TUNNEL_OVERHEAD == 44, "TUNNEL_OVERHEAD");

static __always_inline void count(__u32 index)
{
	__u64 *counter = bpf_map_lookup_elem(&director_counters, &index);

	if (counter)
		*counter += 1;
}

static __always_inline int pass(__u32 index)
{
	count(index);
	return XDP_PASS;
}

/*
 * The outer UDP source port: the inner 4-tuple folded to 16 bits, for RSS and ECMP spreading
 * on the way to the agent, the fields read as the big-endian numbers they are on the wire.
 * docs/handoff-protocol.md section 3.11 defines it; TunnelFrameWriter.sourcePort is the Java.
 */
static __always_inline __u16 tunnel_source_port(const struct director_flow_key *key)
{
	__u32 h = bpf_ntohl(key->client_addr) ^ bpf_ntohl(key->vip_addr)
		^ ((__u32)bpf_ntohs(key->client_port) << 16 | bpf_ntohs(key->vip_port));

	return (__u16)((h >> 16) ^ (h & 0xffff)) | TUNNEL_SOURCE_PORT_BASE;
}

/* RFC 1071 over a 20-byte IPv4 header whose checksum field is 0 */
static __always_inline __u16 ipv4_header_checksum(const struct iphdr *ip)
{
	const __u16 *word = (const __u16 *)ip;
	__u32 sum = 0;

#pragma unroll
	for (int i = 0; i < (int)(sizeof(*ip) / 2); i++)
		sum += word[i];
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

SEC("xdp")
int director_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = data + sizeof(*eth);
	struct tcphdr *tcp = (void *)(ip + 1);
	struct director_flow_key key;
	struct director_next_hop *hop;
	struct director_flow *flow;
	__u32 ip_len, tcp_header_len, frame_len;
	__be32 ack;
	int has_ack;
	__u16 sport;

	if ((void *)(eth + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return pass(DIRECTOR_PASSED_NOT_IPV4_TCP);
	if ((void *)(ip + 1) > data_end)
		return pass(DIRECTOR_PASSED_MALFORMED);
	if (ip->version != 4 || ip->protocol != IPPROTO_TCP)
		return pass(DIRECTOR_PASSED_NOT_IPV4_TCP);
	if (ip->ihl < 5)
		return pass(DIRECTOR_PASSED_MALFORMED);
	if (ip->ihl != 5)
		return pass(DIRECTOR_PASSED_IP_OPTIONS);
	if (ip->frag_off & bpf_htons(IP_MF_AND_OFFSET))
		return pass(DIRECTOR_PASSED_FRAGMENT);
	if ((void *)(tcp + 1) > data_end)
		return pass(DIRECTOR_PASSED_MALFORMED);
	ip_len = bpf_ntohs(ip->tot_len);
	tcp_header_len = tcp->doff * 4;
	frame_len = data_end - data;
	/* the frame may be longer (Ethernet padding), never shorter */
	if (frame_len - sizeof(*eth) < ip_len || tcp_header_len < sizeof(*tcp) || ip_len < sizeof(*ip) + tcp_header_len)
		return pass(DIRECTOR_PASSED_MALFORMED);

	key.client_addr = ip->saddr;
	key.vip_addr = ip->daddr;
	key.client_port = tcp->source;
	key.vip_port = tcp->dest;
	flow = bpf_map_lookup_elem(&director_flows, &key);
	if (!flow) {
		if (tcp->syn && !tcp->ack && !tcp->rst)
			return director_syn(ctx, ip_len, tcp_header_len);  /* director_syn.h */
		if (tcp->ack && !tcp->syn && !tcp->fin && !tcp->rst && ip_len == sizeof(*ip) + tcp_header_len)
			return director_handshake_ack(ctx);                 /* director_syn.h */
		return pass(DIRECTOR_PASSED_NO_FLOW);
	}
	/*
	 * A SYN on a handed-off flow's endpoints is a new connection from a reused client port (a
	 * handed-off flow is long established): never the agent's, whatever the flags; Java tells a
	 * new incarnation by its timestamp and answers it.
	 */
	if (tcp->syn)
		return pass(DIRECTOR_PASSED_CONTROL);
	if (!(flow->flags & DIRECTOR_FLOW_TUNNEL_ALL)) {
		if (tcp->fin || tcp->rst || !tcp->ack)
			return pass(DIRECTOR_PASSED_CONTROL);
		if (ip_len != sizeof(*ip) + tcp_header_len)
			return pass(DIRECTOR_PASSED_PAYLOAD);
	}
	if (ip_len + TUNNEL_OVERHEAD > IPV4_MAX_TOTAL_LENGTH)
		return pass(DIRECTOR_PASSED_TOO_BIG);
	ack = tcp->ack_seq; /* the frame's first bytes are overwritten below: read it now */
	has_ack = tcp->ack;

	/* The next hop before anything changes, so every failure passes the original frame. */
	hop = bpf_map_lookup_elem(&director_next_hops, &flow->agent_addr);
	if (!hop)
		return pass(DIRECTOR_PASSED_NO_NEXT_HOP);
	if (ip_len + TUNNEL_OVERHEAD > hop->mtu)
		return pass(DIRECTOR_PASSED_TOO_BIG);

	/* drop Ethernet padding, so the frame ends where the IPv4 packet does */
	if (frame_len > sizeof(*eth) + ip_len && bpf_xdp_adjust_tail(ctx, (int)(sizeof(*eth) + ip_len) - (int)frame_len))
		return pass(DIRECTOR_PASSED_NO_HEADROOM);
	if (bpf_xdp_adjust_head(ctx, -(int)TUNNEL_OVERHEAD))
		return pass(DIRECTOR_PASSED_NO_HEADROOM);

	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	if (data + OUTER_HEADERS_LEN > data_end)
		return XDP_ABORTED; /* cannot happen: 44 bytes were added in front of at least 54 */
	eth = data;
	struct iphdr *outer = data + sizeof(*eth);
	struct udphdr *udp = (void *)(outer + 1);
	struct handoff_tunnel_hdr *tunnel = (void *)(udp + 1);

	/* the old Ethernet header is overwritten from here on: everything below comes from key,
	 * flow and hop, never from the frame's first 58 bytes */
	__builtin_memcpy(eth->h_dest, hop->dest_mac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, hop->source_mac, ETH_ALEN);
	eth->h_proto = bpf_htons(ETH_P_IP);

	outer->version = 4;
	outer->ihl = 5;
	outer->tos = 0;
	outer->tot_len = bpf_htons(ip_len + TUNNEL_OVERHEAD);
	outer->id = 0;
	outer->frag_off = bpf_htons(IP_DF);
	outer->ttl = OUTER_TTL;
	outer->protocol = IPPROTO_UDP;
	outer->check = 0;
	outer->saddr = flow->source_addr;
	outer->daddr = flow->agent_addr;
	outer->check = ipv4_header_checksum(outer);

	sport = tunnel_source_port(&key);
	udp->source = bpf_htons(sport);
	udp->dest = flow->agent_port;
	udp->len = bpf_htons(ip_len + TUNNEL_OVERHEAD - sizeof(*outer));
	udp->check = 0;

	tunnel->magic = bpf_htons(HANDOFF_MAGIC);
	tunnel->version = HANDOFF_VERSION;
	tunnel->type = HANDOFF_TYPE_TUNNEL;
	tunnel->total_length = bpf_htons(ip_len + TUNNEL_HEADER_LEN);
	tunnel->flags = 0;
	tunnel->token = flow->token;

	/* The client's RCV.NXT as far as its ACKs tell: those ACKs never reach Java, which resets
	 * the flow exactly there when its agent is gone for good. */
	if (has_ack)
		flow->last_ack = ack;
	__sync_fetch_and_add(&flow->packets, 1);
	__sync_fetch_and_add(&flow->bytes, ip_len);
	count(DIRECTOR_TUNNELLED);
	if (hop->ifindex == ctx->ingress_ifindex)
		return XDP_TX;
	return bpf_redirect(hop->ifindex, 0);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
