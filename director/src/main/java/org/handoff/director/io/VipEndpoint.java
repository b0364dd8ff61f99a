package org.handoff.director.io;

import org.handoff.protocol.wire.Bytes;

/** A virtual IP and TCP port the director answers for. */
public record VipEndpoint(int address, int port) {
    public VipEndpoint {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("VIP port=" + port + " (expected: 1..65535)");
        }
    }

    /** Parses {@code "198.18.1.1:80"}. */
    public static VipEndpoint parse(String s) {
        int colon = s.lastIndexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("VIP '" + s + "' (expected: a.b.c.d:port)");
        }
        int port;
        try {
            port = Integer.parseInt(s.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("VIP '" + s + "': port '" + s.substring(colon + 1) + "' (expected: 1..65535)");
        }
        return new VipEndpoint(Bytes.parseIpv4(s.substring(0, colon)), port);
    }

    public String addressString() {
        return Bytes.ipv4ToString(address);
    }

    @Override
    public String toString() {
        return addressString() + ":" + port;
    }
}
