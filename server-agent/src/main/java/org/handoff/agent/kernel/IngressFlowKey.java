package org.handoff.agent.kernel;

import java.nio.ByteBuffer;
import org.handoff.bpf.MapBytes;
import org.handoff.bpf.MapRecord;
import org.handoff.protocol.transform.FlowTransform;
import org.handoff.protocol.wire.Bytes;

/**
 * View of {@code struct agent_ingress_key} (bpf/src/main/c/agent_maps.h): the inner client packet
 * of a TUNNEL as it arrives (connection A), the key the ingress program looks up. 12 bytes,
 * network order.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                 Client address (inner source)                 |  0
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                VIP address (inner destination)                |  4
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |          Client port          |           VIP port            |  8
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 */
public final class IngressFlowKey extends MapRecord {
    public static final int CLIENT_ADDRESS_OFFSET = 0;
    public static final int VIP_ADDRESS_OFFSET = 4;
    public static final int CLIENT_PORT_OFFSET = 8;
    public static final int VIP_PORT_OFFSET = 10;
    public static final int LENGTH = 12;

    /** Wraps a map key buffer of at least {@link #LENGTH} bytes, reused for every flow. */
    public IngressFlowKey wrap(ByteBuffer buffer) {
        point(buffer, 0, LENGTH, "agent_ingress_key");
        return this;
    }

    /** The key of a flow's connection A: the client to the VIP. */
    public IngressFlowKey flow(FlowTransform f) {
        return clientAddress(f.clientAddress()).vipAddress(f.vipAddress()).clientPort(f.clientPort()).vipPort(f.vipPort());
    }

    public int clientAddress() {
        return MapBytes.wireI32(buffer, CLIENT_ADDRESS_OFFSET);
    }

    public IngressFlowKey clientAddress(int address) {
        MapBytes.putWireI32(buffer, CLIENT_ADDRESS_OFFSET, address);
        return this;
    }

    public int vipAddress() {
        return MapBytes.wireI32(buffer, VIP_ADDRESS_OFFSET);
    }

    public IngressFlowKey vipAddress(int address) {
        MapBytes.putWireI32(buffer, VIP_ADDRESS_OFFSET, address);
        return this;
    }

    public int clientPort() {
        return MapBytes.wireU16(buffer, CLIENT_PORT_OFFSET);
    }

    public IngressFlowKey clientPort(int port) {
        MapBytes.putWireU16(buffer, CLIENT_PORT_OFFSET, port);
        return this;
    }

    public int vipPort() {
        return MapBytes.wireU16(buffer, VIP_PORT_OFFSET);
    }

    public IngressFlowKey vipPort(int port) {
        MapBytes.putWireU16(buffer, VIP_PORT_OFFSET, port);
        return this;
    }

    @Override
    public String toString() {
        return "agent_ingress_key[" + Bytes.ipv4ToString(clientAddress()) + ":" + clientPort() + " -> "
                + Bytes.ipv4ToString(vipAddress()) + ":" + vipPort() + "]";
    }
}
