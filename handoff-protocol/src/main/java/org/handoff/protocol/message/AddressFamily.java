package org.handoff.protocol.message;

/** Address family of a flow; the code is the IP version number, as it appears on the wire. */
public enum AddressFamily {
    IPV4(4, 4),
    IPV6(6, 16);

    private final int code;
    private final int addressLength;

    AddressFamily(int code, int addressLength) {
        this.code = code;
        this.addressLength = addressLength;
    }

    public int code() {
        return code;
    }

    /** Significant bytes of an address; the rest of the 16-byte field is zero. */
    public int addressLength() {
        return addressLength;
    }

    /** The family with this wire code, or null: callers on the receive path must not throw. */
    public static AddressFamily fromCode(int code) {
        return code == 4 ? IPV4 : code == 6 ? IPV6 : null;
    }
}
