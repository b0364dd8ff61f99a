// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The TUNNEL message (type 11): how the director's XDP program carries a client packet of a
 * handed-off flow to the owning agent, outside the HMAC-sealed messages. Mirrored field for
 * field by org.handoff.protocol.message.TunnelFlyweight; the layout, and why a flow token
 * authenticates it, are in docs/handoff-protocol.md, section 3.11.
 *
 *   outer IPv4 (20 bytes, DF, no options) | UDP (8 bytes, checksum 0) | this header (16) | inner IPv4 packet
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |         Magic (0x484F)        |  Version (1)  |  Type (11)    |  0
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Total Length (16 + inner)    |       Flags (reserved, 0)     |  4
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                                                               |  8
 * +                    Flow Token (64 bits)                       +
 * |                                                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |              Inner packet (IPv4 header first) ...             | 16
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
#ifndef HANDOFF_TUNNEL_H
#define HANDOFF_TUNNEL_H

#define HANDOFF_MAGIC            0x484F
#define HANDOFF_VERSION          1
#define HANDOFF_TYPE_TUNNEL      11

#define TUNNEL_HEADER_LEN        16
/* outer IPv4 without options + UDP + tunnel header: what encapsulation adds to a packet */
#define TUNNEL_OVERHEAD          (20 + 8 + TUNNEL_HEADER_LEN)
/* the smallest inner packet: IPv4 and TCP headers without options */
#define TUNNEL_MIN_INNER_LEN     40

struct handoff_tunnel_hdr {
	__be16 magic;
	__u8 version;
	__u8 type;
	__be16 total_length;
	__be16 flags;
	__be64 token;          /* opaque: compared as bytes, never converted */
} __attribute__((packed));

#endif
