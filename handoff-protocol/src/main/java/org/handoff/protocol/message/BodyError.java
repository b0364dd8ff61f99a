package org.handoff.protocol.message;

/**
 * Which body rule an authentic datagram, or a TUNNEL (which has no MAC), broke
 * ({@link DecodeResult#BAD_BODY}). Each constant names
 * the measured quantity and, where it is fixed, the expected one, so an error message needs no
 * allocation until someone formats it.
 */
public enum BodyError {
    BAD_ADDRESS_FAMILY("address family", "4 or 6"),
    ADDRESS_PADDING_NONZERO("IPv4 address field, offset of a non-zero padding byte", "bytes 4..15 of the field zero"),
    MAPPED_IPV6_ADDRESS("IPv6 address field holding an IPv4-mapped address, offset", "family 4 for IPv4 peers"),
    BAD_PORT("port", "1..65535"),
    RESERVED_NONZERO("reserved body byte not zero, at offset", "reserved bytes zero"),
    BAD_ATTEMPT("hand-off attempt", "1..65535"),
    BAD_MSS("client MSS", "1..65535"),
    BAD_OPTION_FLAGS("TCP option flags", "bits 0..2 only"),
    BAD_WINDOW_SHIFT("window-scale shift", "0..14, or 0 when window scaling is off"),
    TIMESTAMPS_WITHOUT_OPTION("timestamp value with timestamps off", "0"),
    BAD_REQUEST_LENGTH("request length field", null),
    BAD_TOKEN("flow token", "not 0"),
    BAD_ACK_FLAGS("HANDOFF_ACK diagnostic flags", "bits 0..1 only"),
    DIAGNOSTIC_WITHOUT_FLAG("HANDOFF_ACK diagnostic value with its flag clear", "0"),
    BAD_HANDBACK_FLAGS("HANDBACK flags", "bit 0 only"),
    BAD_REASON("reason code", "a known code"),
    BAD_PACKET_COUNT("FORWARD packet count", null),
    BAD_PACKET_LENGTH("FORWARD packet length", null),
    FORWARD_TRAILING_BYTES("FORWARD bytes after the last whole entry", "0"),
    BAD_HEALTH("health state", "1..3"),
    BAD_AGENT_ID_LENGTH("agent id length", null),
    BAD_AGENT_ID_CHAR("agent id byte", "A-Z a-z 0-9 . _ : @ -"),
    BAD_INNER_VERSION("TUNNEL inner packet IP version", "4"),
    BAD_INNER_HEADER_LENGTH("TUNNEL inner packet IPv4 header length, bytes", null),
    BAD_INNER_LENGTH("TUNNEL inner packet IPv4 total length", null),
    BAD_INNER_PROTOCOL("TUNNEL inner packet protocol", "6 (TCP)"),
    INNER_FRAGMENT("TUNNEL inner packet flags and fragment offset", "not a fragment (MF clear, offset 0)");

    private final String what;
    private final String expected;

    BodyError(String what, String expected) {
        this.what = what;
        this.expected = expected;
    }

    public String what() {
        return what;
    }

    /** The fixed expectation, or null when it depends on the datagram (the decoder supplies a range). */
    public String expected() {
        return expected;
    }
}
