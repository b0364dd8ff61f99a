package org.handoff.director.io;

import org.handoff.config.HostPort;
import org.handoff.protocol.wire.Bytes;

/** A virtual IP and TCP port the director answers for. */
public record VipEndpoint(int address, int port) {
    public VipEndpoint {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("VIP port=" + port + " (expected: 1..65535)");
        }
    }

    /** An IPv4 VIP from the config (the loader refuses IPv6 VIPs). */
    public static VipEndpoint of(HostPort vip) {
        if (!vip.isIpv4()) {
            throw new IllegalArgumentException("VIP " + vip + " (expected: IPv4)");
        }
        return new VipEndpoint(Bytes.i32(vip.address().getAddress(), 0), vip.port());
    }

    /** Parses {@code "198.18.1.1:80"} as {@link HostPort#parse} does. */
    public static VipEndpoint parse(String s) {
        return of(HostPort.parse(s));
    }

    public String addressString() {
        return Bytes.ipv4ToString(address);
    }

    @Override
    public String toString() {
        return addressString() + ":" + port;
    }
}
