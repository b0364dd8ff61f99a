package org.handoff.protocol.wire;

/**
 * Why a packet failed its length and format checks. Per-packet code counts these by reason and
 * drops the packet (an enum constant is free to return); code that owns a connection turns one
 * into a {@link MalformedPacketException} with the measured and expected values.
 */
public enum WireError {
    TRUNCATED_ETHERNET("Ethernet frame shorter than its header"),
    UNSUPPORTED_ETHERTYPE("EtherType not IPv4 or IPv6"),
    TRUNCATED_IP_HEADER("buffer shorter than the IP header"),
    BAD_IP_VERSION("IP version nibble"),
    BAD_IHL("IPv4 header length (IHL*4)"),
    BAD_TOTAL_LENGTH("IP total length against the buffer"),
    IP_FRAGMENT("IP fragment (offset or more-fragments set)"),
    UNSUPPORTED_PROTOCOL("IP protocol not TCP or UDP"),
    UNSUPPORTED_IPV6_EXTENSION("IPv6 extension header"),
    TRUNCATED_TCP_HEADER("buffer shorter than the TCP header"),
    BAD_DATA_OFFSET("TCP data offset (doff*4)"),
    BAD_TCP_OPTION_LENGTH("TCP option length"),
    TRUNCATED_UDP_HEADER("buffer shorter than the UDP header"),
    BAD_UDP_LENGTH("UDP length against the buffer"),
    TRUNCATED_VNET_HEADER("buffer shorter than the virtio-net header"),
    BAD_VNET_FLAGS("virtio-net header flags"),
    UNSUPPORTED_GSO_TYPE("virtio-net GSO type"),
    GSO_SIZE_ZERO("virtio-net gso_size of a GSO packet"),
    GSO_WITHOUT_PARTIAL_CHECKSUM("virtio-net GSO packet without NEEDS_CSUM"),
    VNET_HDR_LEN_BEYOND_PACKET("virtio-net hdr_len against the packet"),
    CHECKSUM_START_OUT_OF_RANGE("virtio-net csum_start + csum_offset + 2 against the packet"),
    PARTIAL_CHECKSUM_NOT_TCP("virtio-net csum_start/csum_offset against the TCP checksum field"),
    GSO_NOT_TCPV4("virtio-net TCPV4 GSO packet that is not IPv4/TCP");

    private final String what;

    WireError(String what) {
        this.what = what;
    }

    /** What was measured, in words: "TCP data offset (doff*4)". */
    public String what() {
        return what;
    }
}
