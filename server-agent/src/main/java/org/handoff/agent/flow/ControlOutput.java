package org.handoff.agent.flow;

/**
 * Where the engine's hand-off messages go (HANDOFF_ACK, HANDOFF_NACK, CLOSED): one sealed
 * datagram to the director that sent the HANDOFF. Returns false (counted) instead of throwing.
 */
@FunctionalInterface
public interface ControlOutput {
    /** @param address the director's IPv4 address, 32 bits; @param port its UDP port */
    boolean send(int address, int port, byte[] datagram, int offset, int length);
}
