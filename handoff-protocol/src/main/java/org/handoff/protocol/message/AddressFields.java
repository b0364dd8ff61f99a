package org.handoff.protocol.message;

import static org.handoff.protocol.message.HandoffProtocol.ADDRESS_FIELD_LENGTH;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * The 16-byte address fields. IPv4 sits in the first 4 bytes and the other 12 are zero (not an
 * IPv4-mapped address): the hot path reads an IPv4 address as one 32-bit load at the field's
 * start, and the flow's family byte alone says how to read the field. An IPv6 field may not hold
 * an IPv4-mapped address (::ffff:a.b.c.d), so each address has exactly one encoding.
 */
final class AddressFields {
    private AddressFields() {
    }

    /** Checks the field at {@code datagram + fieldOffset}; on failure records the offending offset. */
    static boolean check(AddressFamily family, byte[] b, int datagram, int fieldOffset, DecodeFailure failure) {
        int at = datagram + fieldOffset;
        if (family == AddressFamily.IPV4) {
            for (int i = 4; i < ADDRESS_FIELD_LENGTH; i++) {
                if (b[at + i] != 0) {
                    return failure.body(BodyError.ADDRESS_PADDING_NONZERO, fieldOffset + i);
                }
            }
            return true;
        }
        if (isIpv4Mapped(b, at)) {
            return failure.body(BodyError.MAPPED_IPV6_ADDRESS, fieldOffset);
        }
        return true;
    }

    private static boolean isIpv4Mapped(byte[] b, int at) {
        for (int i = 0; i < 10; i++) {
            if (b[at + i] != 0) {
                return false;
            }
        }
        return b[at + 10] == (byte) 0xff && b[at + 11] == (byte) 0xff;
    }

    /** Reads a checked field. Builds the InetAddress from bytes: no name lookup ever happens. */
    static InetAddress read(AddressFamily family, byte[] b, int at) {
        try {
            if (family == AddressFamily.IPV4) {
                return InetAddress.getByAddress(java.util.Arrays.copyOfRange(b, at, at + 4));
            }
            // Inet6Address.getByAddress keeps 16 bytes as IPv6; InetAddress.getByAddress would
            // turn a mapped address into IPv4 (the check above rejects those anyway).
            return Inet6Address.getByAddress(null, java.util.Arrays.copyOfRange(b, at, at + ADDRESS_FIELD_LENGTH), -1);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("address of fixed length rejected", e);
        }
    }

    static AddressFamily familyOf(InetAddress address) {
        return address instanceof Inet4Address ? AddressFamily.IPV4 : AddressFamily.IPV6;
    }

    /** Writes a whole 16-byte field, zero padding included. */
    static void write(InetAddress address, byte[] b, int at) {
        java.util.Arrays.fill(b, at, at + ADDRESS_FIELD_LENGTH, (byte) 0);
        byte[] raw = address.getAddress();
        System.arraycopy(raw, 0, b, at, raw.length);
    }

    /** Rejects what the decoder would reject, so an encoder never produces an undecodable datagram. */
    static void requireEncodable(String name, InetAddress address, AddressFamily family) {
        if (address == null) {
            throw new IllegalArgumentException(name + " null (expected: an address)");
        }
        if (familyOf(address) != family) {
            throw new IllegalArgumentException(name + " " + address.getHostAddress() + " (expected: family " + family + ")");
        }
        if (family == AddressFamily.IPV6 && isIpv4Mapped(address.getAddress(), 0)) {
            throw new IllegalArgumentException(name + " " + address.getHostAddress() + " is IPv4-mapped (expected: an Inet4Address)");
        }
    }

    static void requirePort(String name, int port) {
        if (port < 1 || port > 0xffff) {
            throw new IllegalArgumentException(name + " " + port + " (expected: 1..65535)");
        }
    }

    /** Checks that {@code count} bytes from {@code fieldOffset} are zero. */
    static boolean checkZero(byte[] b, int datagram, int fieldOffset, int count, DecodeFailure failure) {
        for (int i = 0; i < count; i++) {
            if (b[datagram + fieldOffset + i] != 0) {
                return failure.body(BodyError.RESERVED_NONZERO, fieldOffset + i);
            }
        }
        return true;
    }
}
