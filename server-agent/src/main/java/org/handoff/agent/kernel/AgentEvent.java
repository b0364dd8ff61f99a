package org.handoff.agent.kernel;

import org.handoff.protocol.wire.Bytes;

/**
 * {@code struct agent_event} (bpf/src/main/c/agent_maps.h): one record of the ring buffer
 * {@code agent_events}, what the programs tell the agent, read in place from the record's bytes
 * (at {@code off}).
 * 16 bytes: the flow's ingress key (network order) and the kind (host order).
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                 Client address (C)                            |  0
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                 VIP address                                   |  4
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |        Client port            |           VIP port            |  8
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                 Kind (host order): 1 CLOSED                   | 12
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 */
public final class AgentEvent {
    public static final int KEY_OFFSET = 0;
    public static final int KIND_OFFSET = 12;
    public static final int LENGTH = 16;
    /** {@code AGENT_EVENT_CLOSED}: both FINs of the flow were acknowledged. */
    public static final int KIND_CLOSED = 1;

    private AgentEvent() {
    }

    public static int clientAddress(byte[] b, int off) {
        return Bytes.i32(b, off + KEY_OFFSET + IngressFlowKey.CLIENT_ADDRESS_OFFSET);
    }

    public static int vipAddress(byte[] b, int off) {
        return Bytes.i32(b, off + KEY_OFFSET + IngressFlowKey.VIP_ADDRESS_OFFSET);
    }

    public static int clientPort(byte[] b, int off) {
        return Bytes.u16(b, off + KEY_OFFSET + IngressFlowKey.CLIENT_PORT_OFFSET);
    }

    public static int vipPort(byte[] b, int off) {
        return Bytes.u16(b, off + KEY_OFFSET + IngressFlowKey.VIP_PORT_OFFSET);
    }

    /** The kind, host order (little-endian hosts only, as every map value). */
    public static int kind(byte[] b, int off) {
        int at = off + KIND_OFFSET;
        return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8 | (b[at + 2] & 0xff) << 16 | (b[at + 3] & 0xff) << 24;
    }
}
