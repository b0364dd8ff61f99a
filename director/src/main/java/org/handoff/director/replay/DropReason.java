package org.handoff.director.replay;

/**
 * Why a captured packet did not drive the replay. The first four come from the capture file's
 * link layer ({@link org.handoff.director.io.LinkDecoder}); the others from the replay's check
 * of each IP packet before it reaches the terminator. Every packet dropped is counted under
 * exactly one reason; none ever stops the replay.
 */
public enum DropReason {
    /** The capture file ends inside a record (a copy cut short, a capture killed mid-write). */
    TRUNCATED_FILE("truncated-file"),
    /** Frames that are not IPv4/IPv6 (ARP, VLAN-tagged, other EtherTypes). */
    LINK_NOT_IP("link-not-ip"),
    /** Frames shorter than their headers or than the IP total length: snaplen-cut packets. */
    SNAPLEN_CUT("snaplen-cut"),
    /** IP headers whose length fields are impossible (seen by the link decoder). */
    LINK_MALFORMED_IP("link-malformed-ip"),
    /** Frames of another host (Linux cooked captures opened host-only). */
    NOT_FOR_HOST("not-for-host"),
    /** IPv6 packets (the director terminates IPv4). */
    NOT_IPV4("not-ipv4"),
    /** IPv4 header fields impossible against the packet (IHL, total length). */
    MALFORMED_IP("malformed-ip"),
    /** IP fragments: the director never reassembles (a TCP client does not fragment). */
    FRAGMENT("fragment"),
    /** Not TCP (UDP, ICMP, ...). */
    NOT_TCP("not-tcp"),
    /** TCP header shorter than 20 bytes or a data offset past the packet. */
    MALFORMED_TCP("malformed-tcp"),
    /** A TCP option whose length is impossible (0, 1, past the header, a wrong fixed size). */
    BAD_TCP_OPTIONS("bad-tcp-options"),
    /** Wrong IPv4 header checksum (only when checksums are verified). */
    BAD_IP_CHECKSUM("bad-ip-checksum"),
    /** Wrong TCP checksum (only when checksums are verified). */
    BAD_TCP_CHECKSUM("bad-tcp-checksum"),
    /** TCP to an address and port that is no configured VIP (and not from one). */
    NOT_FOR_VIP("not-for-vip");

    private final String label;

    DropReason(String label) {
        this.label = label;
    }

    /** The name used in the report. */
    public String label() {
        return label;
    }
}
