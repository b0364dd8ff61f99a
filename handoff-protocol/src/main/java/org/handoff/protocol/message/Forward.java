package org.handoff.protocol.message;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * FORWARD value (type 4), for tests, tools and logs. The per-packet path does not use it: it
 * builds datagrams with a {@link ForwardEncoder} and reads them with a {@link ForwardPacketCursor}.
 *
 * @param flow    the client connection
 * @param packets whole client IP packets, 1..65535 bytes each, at least one (copied in and out)
 */
public record Forward(FlowIdentity flow, List<byte[]> packets) implements MessageBody {

    public Forward {
        if (flow == null || packets == null || packets.isEmpty()) {
            throw new IllegalArgumentException("FORWARD without flow or packets (expected: a flow and 1+ packets)");
        }
        List<byte[]> copy = new ArrayList<>(packets.size());
        long length = ForwardFlyweight.FIRST_ENTRY_OFFSET + HandoffProtocol.MAC_LENGTH;
        for (byte[] p : packets) {
            if (p == null || p.length < 1 || p.length > 0xffff) {
                throw new IllegalArgumentException("FORWARD packet of " + (p == null ? "null" : p.length + " bytes")
                        + " (expected: 1..65535 bytes)");
            }
            copy.add(p.clone());
            length += ForwardFlyweight.ENTRY_HEADER_LENGTH + p.length;
        }
        if (length > HandoffProtocol.MAX_DATAGRAM_LENGTH || copy.size() > 0xffff) {
            throw new IllegalArgumentException("FORWARD of " + copy.size() + " packets, " + length + " bytes (expected: 1..65535 packets, "
                    + HandoffProtocol.MAX_DATAGRAM_LENGTH + " bytes or less)");
        }
        packets = Collections.unmodifiableList(copy);
    }

    @Override
    public List<byte[]> packets() {
        List<byte[]> out = new ArrayList<>(packets.size());
        for (byte[] p : packets) {
            out.add(p.clone());
        }
        return out;
    }

    @Override
    public MessageType type() {
        return MessageType.FORWARD;
    }

    @Override
    public int encodedLength() {
        int length = ForwardFlyweight.FIRST_ENTRY_OFFSET + HandoffProtocol.MAC_LENGTH;
        for (byte[] p : packets) {
            length += ForwardFlyweight.ENTRY_HEADER_LENGTH + p.length;
        }
        return length;
    }

    @Override
    public void encodeBody(byte[] buffer, int datagramOffset) {
        ForwardFlyweight f = new ForwardFlyweight().wrap(buffer, datagramOffset);
        f.flowIdentity(flow);
        f.packetCount(packets.size());
        int at = datagramOffset + ForwardFlyweight.FIRST_ENTRY_OFFSET;
        for (byte[] p : packets) {
            org.handoff.protocol.wire.Bytes.putU16(buffer, at, p.length);
            System.arraycopy(p, 0, buffer, at + ForwardFlyweight.ENTRY_HEADER_LENGTH, p.length);
            at += ForwardFlyweight.ENTRY_HEADER_LENGTH + p.length;
        }
    }

    /** Reads a FORWARD the decoder accepted (allocates one array per packet). */
    public static Forward decode(ForwardFlyweight f) {
        List<byte[]> packets = new ArrayList<>(f.packetCount());
        ForwardPacketCursor cursor = new ForwardPacketCursor().wrap(f);
        while (cursor.next()) {
            packets.add(Arrays.copyOfRange(cursor.buffer(), cursor.packetOffset(), cursor.packetOffset() + cursor.packetLength()));
        }
        return new Forward(f.flowIdentity(), packets);
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Forward other) || !flow.equals(other.flow) || packets.size() != other.packets.size()) {
            return false;
        }
        for (int i = 0; i < packets.size(); i++) {
            if (!Arrays.equals(packets.get(i), other.packets.get(i))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        int h = flow.hashCode();
        for (byte[] p : packets) {
            h = 31 * h + Arrays.hashCode(p);
        }
        return h;
    }

    @Override
    public String toString() {
        return "Forward{" + flow + ", packets=" + packets.size() + "}";
    }
}
