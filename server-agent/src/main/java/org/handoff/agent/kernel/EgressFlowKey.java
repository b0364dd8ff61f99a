package org.handoff.agent.kernel;

import java.nio.ByteBuffer;
import org.handoff.bpf.MapBytes;
import org.handoff.bpf.MapRecord;
import org.handoff.protocol.transform.FlowTransform;
import org.handoff.protocol.wire.Bytes;

/**
 * View of {@code struct agent_egress_key} (bpf/src/main/c/agent_maps.h): connection B's packet
 * as it leaves the local stack into the TUN, the key the egress program looks up. 12 bytes,
 * network order.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                Server address (H, B's source)                 |  0
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |              Client address (C, B's destination)              |  4
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |          Server port          |          Client port          |  8
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 */
public final class EgressFlowKey extends MapRecord {
    public static final int SERVER_ADDRESS_OFFSET = 0;
    public static final int CLIENT_ADDRESS_OFFSET = 4;
    public static final int SERVER_PORT_OFFSET = 8;
    public static final int CLIENT_PORT_OFFSET = 10;
    public static final int LENGTH = 12;

    /** Wraps a map key buffer of at least {@link #LENGTH} bytes, reused for every flow. */
    public EgressFlowKey wrap(ByteBuffer buffer) {
        point(buffer, 0, LENGTH, "agent_egress_key");
        return this;
    }

    /** The key of a flow's connection B: H:server port to the client. */
    public EgressFlowKey flow(FlowTransform f) {
        return serverAddress(f.serverAddress()).clientAddress(f.clientAddress())
                .serverPort(f.serverPort()).clientPort(f.clientPort());
    }

    public int serverAddress() {
        return MapBytes.wireI32(buffer, SERVER_ADDRESS_OFFSET);
    }

    public EgressFlowKey serverAddress(int address) {
        MapBytes.putWireI32(buffer, SERVER_ADDRESS_OFFSET, address);
        return this;
    }

    public int clientAddress() {
        return MapBytes.wireI32(buffer, CLIENT_ADDRESS_OFFSET);
    }

    public EgressFlowKey clientAddress(int address) {
        MapBytes.putWireI32(buffer, CLIENT_ADDRESS_OFFSET, address);
        return this;
    }

    public int serverPort() {
        return MapBytes.wireU16(buffer, SERVER_PORT_OFFSET);
    }

    public EgressFlowKey serverPort(int port) {
        MapBytes.putWireU16(buffer, SERVER_PORT_OFFSET, port);
        return this;
    }

    public int clientPort() {
        return MapBytes.wireU16(buffer, CLIENT_PORT_OFFSET);
    }

    public EgressFlowKey clientPort(int port) {
        MapBytes.putWireU16(buffer, CLIENT_PORT_OFFSET, port);
        return this;
    }

    @Override
    public String toString() {
        return "agent_egress_key[" + Bytes.ipv4ToString(serverAddress()) + ":" + serverPort() + " -> "
                + Bytes.ipv4ToString(clientAddress()) + ":" + clientPort() + "]";
    }
}
