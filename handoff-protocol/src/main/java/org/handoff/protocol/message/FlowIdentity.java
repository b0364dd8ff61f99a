package org.handoff.protocol.message;

import java.net.InetAddress;
import java.util.Arrays;
import org.handoff.protocol.wire.Bytes;

/**
 * Which client connection a message is about: client address and port, VIP address and port.
 * Immutable. A flow keeps one instance for its life and encoders copy its pre-encoded 40 bytes,
 * so naming the flow in a message allocates nothing; {@link #matches} compares against a
 * datagram's flow identity without decoding it.
 *
 * <p>Wire form (offsets relative to the identity; it sits at offset 28 of every message but
 * HEARTBEAT):
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Family (4|6) | Reserved (0)  |          Client Port          |  0
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |           VIP Port            |         Reserved (0)          |  4
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                                                               |  8
 * +                  Client Address (16 bytes)                    +
 * |           IPv4: 4 address bytes, then 12 zero bytes           |
 * +                                                               +
 * |                                                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                                                               | 24
 * +                   VIP Address (16 bytes)                      +
 * |                                                               |
 * +                                                               +
 * |                                                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 */
public final class FlowIdentity {
    public static final int FAMILY_OFFSET = 0;
    public static final int RESERVED_OFFSET = 1;
    public static final int CLIENT_PORT_OFFSET = 2;
    public static final int VIP_PORT_OFFSET = 4;
    public static final int RESERVED2_OFFSET = 6;
    public static final int CLIENT_ADDRESS_OFFSET = 8;
    public static final int VIP_ADDRESS_OFFSET = 24;
    public static final int ENCODED_LENGTH = 40;

    private final AddressFamily family;
    private final InetAddress clientAddress;
    private final int clientPort;
    private final InetAddress vipAddress;
    private final int vipPort;
    private final byte[] encoded = new byte[ENCODED_LENGTH];

    private FlowIdentity(InetAddress clientAddress, int clientPort, InetAddress vipAddress, int vipPort) {
        if (clientAddress == null) {
            throw new IllegalArgumentException("client address null (expected: an address)");
        }
        this.family = AddressFields.familyOf(clientAddress);
        AddressFields.requireEncodable("client address", clientAddress, family);
        AddressFields.requireEncodable("VIP address", vipAddress, family);
        AddressFields.requirePort("client port", clientPort);
        AddressFields.requirePort("VIP port", vipPort);
        this.clientAddress = clientAddress;
        this.clientPort = clientPort;
        this.vipAddress = vipAddress;
        this.vipPort = vipPort;
        Bytes.putU8(encoded, FAMILY_OFFSET, family.code());
        Bytes.putU16(encoded, CLIENT_PORT_OFFSET, clientPort);
        Bytes.putU16(encoded, VIP_PORT_OFFSET, vipPort);
        AddressFields.write(clientAddress, encoded, CLIENT_ADDRESS_OFFSET);
        AddressFields.write(vipAddress, encoded, VIP_ADDRESS_OFFSET);
    }

    /** Both addresses must be of one family (IPv4 or IPv6); ports 1..65535. */
    public static FlowIdentity of(InetAddress clientAddress, int clientPort, InetAddress vipAddress, int vipPort) {
        return new FlowIdentity(clientAddress, clientPort, vipAddress, vipPort);
    }

    /** IPv4 flow from addresses as 32-bit ints (network order bits), as packet views return them. */
    public static FlowIdentity ipv4(int clientAddress, int clientPort, int vipAddress, int vipPort) {
        byte[] c = new byte[4];
        byte[] v = new byte[4];
        Bytes.putI32(c, 0, clientAddress);
        Bytes.putI32(v, 0, vipAddress);
        try {
            return new FlowIdentity(InetAddress.getByAddress(c), clientPort, InetAddress.getByAddress(v), vipPort);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Reads an identity the decoder has checked, at {@code at} in {@code b}. */
    static FlowIdentity decode(byte[] b, int at) {
        AddressFamily family = AddressFamily.fromCode(Bytes.u8(b, at + FAMILY_OFFSET));
        return new FlowIdentity(AddressFields.read(family, b, at + CLIENT_ADDRESS_OFFSET), Bytes.u16(b, at + CLIENT_PORT_OFFSET),
                AddressFields.read(family, b, at + VIP_ADDRESS_OFFSET), Bytes.u16(b, at + VIP_PORT_OFFSET));
    }

    /** Checks an untrusted identity at {@code datagram + fieldOffset}. */
    static boolean check(byte[] b, int datagram, int fieldOffset, DecodeFailure failure) {
        int at = datagram + fieldOffset;
        int familyCode = Bytes.u8(b, at + FAMILY_OFFSET);
        AddressFamily family = AddressFamily.fromCode(familyCode);
        if (family == null) {
            return failure.body(BodyError.BAD_ADDRESS_FAMILY, familyCode);
        }
        return AddressFields.checkZero(b, datagram, fieldOffset + RESERVED_OFFSET, 1, failure)
                && AddressFields.checkZero(b, datagram, fieldOffset + RESERVED2_OFFSET, 2, failure)
                && checkPort(b, at + CLIENT_PORT_OFFSET, failure)
                && checkPort(b, at + VIP_PORT_OFFSET, failure)
                && AddressFields.check(family, b, datagram, fieldOffset + CLIENT_ADDRESS_OFFSET, failure)
                && AddressFields.check(family, b, datagram, fieldOffset + VIP_ADDRESS_OFFSET, failure);
    }

    static boolean checkPort(byte[] b, int at, DecodeFailure failure) {
        int port = Bytes.u16(b, at);
        return port != 0 || failure.body(BodyError.BAD_PORT, port);
    }

    /** Copies the 40 encoded bytes to {@code b[at..]}. */
    public void encode(byte[] b, int at) {
        System.arraycopy(encoded, 0, b, at, ENCODED_LENGTH);
    }

    /** Whether the 40 bytes at {@code b[at..]} encode this flow; no allocation. */
    public boolean matches(byte[] b, int at) {
        return Arrays.equals(encoded, 0, ENCODED_LENGTH, b, at, at + ENCODED_LENGTH);
    }

    public AddressFamily family() {
        return family;
    }

    public InetAddress clientAddress() {
        return clientAddress;
    }

    public int clientPort() {
        return clientPort;
    }

    public InetAddress vipAddress() {
        return vipAddress;
    }

    public int vipPort() {
        return vipPort;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FlowIdentity && Arrays.equals(encoded, ((FlowIdentity) o).encoded);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(encoded);
    }

    @Override
    public String toString() {
        return toString(family, clientAddress, clientPort) + "->" + toString(family, vipAddress, vipPort);
    }

    static String toString(AddressFamily family, InetAddress address, int port) {
        return family == AddressFamily.IPV6 ? "[" + address.getHostAddress() + "]:" + port : address.getHostAddress() + ":" + port;
    }
}
