package org.handoff.director.kernel;

import java.nio.ByteBuffer;
import org.handoff.bpf.MapBytes;
import org.handoff.bpf.MapRecord;
import org.handoff.protocol.wire.Bytes;

/**
 * The key of {@code director_vips} ({@code struct director_vip} in bpf/src/main/c/director_maps.h):
 * a VIP address and port whose SYNs the XDP program answers, in network order as on the wire,
 * then two reserved bytes (0). 8 bytes. A view like {@link DirectorFlowKey}.
 */
public final class DirectorVipKey extends MapRecord {
    public static final int ADDRESS_OFFSET = 0;
    public static final int PORT_OFFSET = 4;
    public static final int RESERVED_OFFSET = 6;
    /** sizeof(struct director_vip): the map's key size. */
    public static final int LENGTH = 8;
    /** The map's value: the VIP's index in the director's config, a host-order u32. */
    public static final int VALUE_LENGTH = 4;

    public static DirectorVipKey allocate() {
        return new DirectorVipKey().wrap(ByteBuffer.allocateDirect(LENGTH), 0);
    }

    public DirectorVipKey wrap(ByteBuffer buffer, int offset) {
        point(buffer, offset, LENGTH, "director_vip");
        return this;
    }

    /** Sets every field, the reserved bytes to 0. */
    public DirectorVipKey set(int address, int port) {
        MapBytes.putWireI32(buffer, offset + ADDRESS_OFFSET, address);
        MapBytes.putWirePort(buffer, offset + PORT_OFFSET, "VIP port", port);
        MapBytes.putHostU16(buffer, offset + RESERVED_OFFSET, 0);
        return this;
    }

    public int address() {
        return MapBytes.wireI32(buffer, offset + ADDRESS_OFFSET);
    }

    public int port() {
        return MapBytes.wireU16(buffer, offset + PORT_OFFSET);
    }

    @Override
    public String toString() {
        return Bytes.ipv4ToString(address()) + ":" + port();
    }
}
