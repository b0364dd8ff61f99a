package org.handoff.protocol.message;

/**
 * Constants of the hand-off wire protocol (docs/handoff-protocol.md). Every message is one UDP
 * datagram: a 28-byte common header, a body, then a 32-byte HMAC-SHA256 over everything before it.
 */
public final class HandoffProtocol {
    private HandoffProtocol() {
    }

    /** "HO" in ASCII. */
    public static final int MAGIC = 0x484F;
    public static final int VERSION = 1;

    public static final int HEADER_LENGTH = 28;
    public static final int MAC_LENGTH = 32;
    /** Shortest datagram that can carry anything: a header and a MAC with an empty body. */
    public static final int MIN_DATAGRAM_LENGTH = HEADER_LENGTH + MAC_LENGTH;
    /**
     * Largest UDP payload over IPv4: 65,535 - 20 (IP header) - 8 (UDP header). HANDOFF and FORWARD
     * datagrams may be this large and rely on IP fragmentation on the director-agent network.
     */
    public static final int MAX_DATAGRAM_LENGTH = 65_507;

    /** Addresses travel in 16-byte fields whatever the family; IPv4 uses the first 4 bytes. */
    public static final int ADDRESS_FIELD_LENGTH = 16;
    /** Largest TCP window-scale shift (RFC 7323 2.3). */
    public static final int MAX_WINDOW_SHIFT = 14;
}
