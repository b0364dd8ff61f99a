package org.handoff.director.kernel;

import java.nio.ByteBuffer;
import org.handoff.bpf.MapBytes;
import org.handoff.bpf.MapRecord;
import org.handoff.protocol.wire.Bytes;

/**
 * The key of {@code director_flows} ({@code struct director_flow_key} in
 * bpf/src/main/c/director_maps.h), field for field: a client packet's flow as it is on the wire,
 * every field in network order.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                        Client Address                         |  0
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                          VIP Address                          |  4
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |          Client Port          |           VIP Port            |  8
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 *
 * A view: it writes into and reads from a {@link ByteBuffer} it is given (or its own, from
 * {@link #allocate()}), so one instance serves every lookup without allocating. Addresses are
 * IPv4 as {@code int}s, the way {@code TcpFlow} holds them.
 */
public final class DirectorFlowKey extends MapRecord {
    public static final int CLIENT_ADDRESS_OFFSET = 0;
    public static final int VIP_ADDRESS_OFFSET = 4;
    public static final int CLIENT_PORT_OFFSET = 8;
    public static final int VIP_PORT_OFFSET = 10;
    /** sizeof(struct director_flow_key): the map's key size. */
    public static final int LENGTH = 12;

    /** A key over its own {@value #LENGTH}-byte direct buffer, to be reused for every lookup. */
    public static DirectorFlowKey allocate() {
        return new DirectorFlowKey().wrap(ByteBuffer.allocateDirect(LENGTH), 0);
    }

    /** Views {@code buffer} from {@code offset}; the buffer's own byte order is never used or changed. */
    public DirectorFlowKey wrap(ByteBuffer buffer, int offset) {
        point(buffer, offset, LENGTH, "director_flow_key");
        return this;
    }

    /** Sets every field: the flow of a client packet from {@code clientAddress:clientPort} to {@code vipAddress:vipPort}. */
    public DirectorFlowKey set(int clientAddress, int clientPort, int vipAddress, int vipPort) {
        return clientAddress(clientAddress).clientPort(clientPort).vipAddress(vipAddress).vipPort(vipPort);
    }

    public int clientAddress() {
        return MapBytes.wireI32(buffer, offset + CLIENT_ADDRESS_OFFSET);
    }

    public DirectorFlowKey clientAddress(int address) {
        MapBytes.putWireI32(buffer, offset + CLIENT_ADDRESS_OFFSET, address);
        return this;
    }

    public int vipAddress() {
        return MapBytes.wireI32(buffer, offset + VIP_ADDRESS_OFFSET);
    }

    public DirectorFlowKey vipAddress(int address) {
        MapBytes.putWireI32(buffer, offset + VIP_ADDRESS_OFFSET, address);
        return this;
    }

    public int clientPort() {
        return MapBytes.wireU16(buffer, offset + CLIENT_PORT_OFFSET);
    }

    public DirectorFlowKey clientPort(int port) {
        MapBytes.putWirePort(buffer, offset + CLIENT_PORT_OFFSET, "client port", port);
        return this;
    }

    public int vipPort() {
        return MapBytes.wireU16(buffer, offset + VIP_PORT_OFFSET);
    }

    public DirectorFlowKey vipPort(int port) {
        MapBytes.putWirePort(buffer, offset + VIP_PORT_OFFSET, "VIP port", port);
        return this;
    }

    @Override
    public String toString() {
        return Bytes.ipv4ToString(clientAddress()) + ":" + clientPort() + " -> " + Bytes.ipv4ToString(vipAddress()) + ":" + vipPort();
    }
}
