package org.handoff.config;

import com.google.common.net.InetAddresses;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * An IP address and port from the config: "198.18.0.11:7070" or "[2001:db8::1]:80". Names are
 * not accepted: the director resolves nothing, so a config means the same thing wherever and
 * whenever it is loaded.
 */
public final class HostPort {
    /** The expectation quoted in errors about the address part. */
    public static final String EXPECTED_ADDRESS = "IPv4 a.b.c.d:port or [IPv6]:port";
    /** The expectation quoted in errors about the port part. */
    public static final String EXPECTED_PORT = "host:port with port 1..65535";

    private final InetAddress address;
    private final int port;

    public HostPort(InetAddress address, int port) {
        this.address = Objects.requireNonNull(address, "address");
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port=" + port + " (expected: 1..65535)");
        }
        this.port = port;
    }

    /**
     * Parses "a.b.c.d:port" or "[v6]:port"; the exception message is the expectation to quote
     * after the value ("host:port with port 1..65535").
     */
    public static HostPort parse(String text) {
        int colon;
        String host;
        if (text.startsWith("[")) {
            int close = text.indexOf(']');
            if (close < 0 || close + 1 >= text.length() || text.charAt(close + 1) != ':') {
                throw new IllegalArgumentException(EXPECTED_ADDRESS);
            }
            host = text.substring(1, close);
            colon = close + 1;
        } else {
            colon = text.lastIndexOf(':');
            if (colon < 0) {
                throw new IllegalArgumentException(EXPECTED_PORT);
            }
            host = text.substring(0, colon);
            if (host.indexOf(':') >= 0) {
                throw new IllegalArgumentException(EXPECTED_ADDRESS); // IPv6 without brackets
            }
        }
        InetAddress address;
        try {
            address = InetAddresses.forString(host);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(EXPECTED_ADDRESS);
        }
        if (text.startsWith("[") != (address instanceof Inet6Address)) {
            throw new IllegalArgumentException(EXPECTED_ADDRESS);
        }
        String portText = text.substring(colon + 1);
        int port = -1;
        if (!portText.isEmpty() && portText.length() <= 5 && portText.chars().allMatch(c -> c >= '0' && c <= '9')) {
            port = Integer.parseInt(portText);
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException(EXPECTED_PORT);
        }
        return new HostPort(address, port);
    }

    /** {@link #parse}, or null where it would throw. */
    public static HostPort parseOrNull(String text) {
        try {
            return parse(text);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    public InetAddress address() {
        return address;
    }

    public int port() {
        return port;
    }

    public boolean isIpv4() {
        return !(address instanceof Inet6Address);
    }

    public InetSocketAddress toSocketAddress() {
        return new InetSocketAddress(address, port);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HostPort && ((HostPort) o).port == port && ((HostPort) o).address.equals(address);
    }

    @Override
    public int hashCode() {
        return address.hashCode() * 31 + port;
    }

    @Override
    public String toString() {
        String a = InetAddresses.toAddrString(address);
        return (isIpv4() ? a : "[" + a + "]") + ":" + port;
    }
}
