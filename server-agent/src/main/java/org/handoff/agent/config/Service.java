package org.handoff.agent.config;

import org.handoff.protocol.wire.Bytes;

/**
 * One service the agent accepts hand-offs for: the origin address and port a HANDOFF names.
 * {@code address == 0} (written as a bare port in the config) matches any origin address. The
 * agent always connects to the hand-off address H at {@link #port()}: the director's view of
 * the service address is only a name for this origin.
 *
 * @param address IPv4 address as 32 bits, or 0 for any
 * @param port    1..65535
 */
public record Service(int address, int port) {
    public Service {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port=" + port + " (expected: 1..65535)");
        }
    }

    public boolean matches(int originAddress, int originPort) {
        return originPort == port && (address == 0 || address == originAddress);
    }

    @Override
    public String toString() {
        return address == 0 ? Integer.toString(port) : Bytes.ipv4ToString(address) + ":" + port;
    }
}
