package org.handoff.director.cluster;

import static org.handoff.director.cluster.GossipFormat.*;

import java.util.Arrays;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.handoff.protocol.message.HandoffKeys;
import org.handoff.protocol.message.HandoffProtocol;
import org.handoff.protocol.message.MessageHeaderFlyweight;
import org.handoff.protocol.message.MessageIdGenerator;
import org.handoff.protocol.message.MessageSealer;
import org.handoff.protocol.wire.Bytes;

/**
 * Writes gossip datagrams ({@link GossipFormat}): records appended into one reused buffer,
 * sealed with the hand-off protocol's {@link MessageSealer} (new message id, sending key, now).
 * Appending allocates nothing; {@link #sealCopy()} allocates the one array JGroups keeps
 * (NAKACK2 holds a sent message until every member has it, so the bytes must not be reused).
 * Not thread-safe: one per sending thread.
 */
final class GossipEncoder {
    private final int type;
    private final int maxRecords;
    private final int senderId;
    private final byte[] buffer;
    private final MessageSealer sealer;
    private final MessageHeaderFlyweight header = new MessageHeaderFlyweight();
    private int records;

    GossipEncoder(int type, int maxRecords, int senderId, Supplier<HandoffKeys> keys, LongSupplier clockMillis) {
        this.type = type;
        this.maxRecords = maxRecords;
        this.senderId = senderId;
        this.buffer = new byte[GossipFormat.length(maxRecords)];
        this.sealer = new MessageSealer(keys, new MessageIdGenerator(), clockMillis);
    }

    int records() {
        return records;
    }

    boolean isFull() {
        return records == maxRecords;
    }

    void flow(int kind, long k0, long k1, long version, int owner, int agentAddress, int agentPort, long token, int flags) {
        int r = FIRST_RECORD_OFFSET + records++ * RECORD_LENGTH;
        Bytes.putU8(buffer, r + KIND_OFFSET, kind);
        Bytes.putU8(buffer, r + FAMILY_OFFSET, FAMILY_IPV4);
        Bytes.putU16(buffer, r + OWNER_OFFSET, owner);
        Bytes.putU16(buffer, r + CLIENT_PORT_OFFSET, (int) (k1 >>> 16) & 0xffff);
        Bytes.putU16(buffer, r + VIP_PORT_OFFSET, (int) k1 & 0xffff);
        Bytes.putI32(buffer, r + CLIENT_ADDRESS_OFFSET, (int) (k0 >>> 32));
        Bytes.putI32(buffer, r + VIP_ADDRESS_OFFSET, (int) k0);
        Bytes.putI64(buffer, r + VERSION_OFFSET, version);
        Bytes.putI32(buffer, r + AGENT_ADDRESS_OFFSET, agentAddress);
        Bytes.putU16(buffer, r + AGENT_PORT_OFFSET, agentPort);
        Bytes.putU16(buffer, r + FLAGS_OFFSET, flags);
        Bytes.putI64(buffer, r + TOKEN_OFFSET, token);
    }

    void secret(int slot, int publisher, int secretId, long version, long secret0, long secret1) {
        int r = FIRST_RECORD_OFFSET + records++ * RECORD_LENGTH;
        Arrays.fill(buffer, r, r + RECORD_LENGTH, (byte) 0);
        Bytes.putU8(buffer, r + KIND_OFFSET, KIND_SECRET);
        Bytes.putU8(buffer, r + SECRET_SLOT_OFFSET, slot);
        Bytes.putU16(buffer, r + OWNER_OFFSET, publisher);
        Bytes.putI32(buffer, r + SECRET_ID_OFFSET, secretId);
        Bytes.putI64(buffer, r + SECRET_VERSION_OFFSET, version);
        Bytes.putI64(buffer, r + SECRET_OFFSET, secret0);
        Bytes.putI64(buffer, r + SECRET_OFFSET + 8, secret1);
    }

    /** Seals the records in place and returns the datagram's length (bytes in {@link #buffer()}); then starts empty. */
    int seal() {
        int length = GossipFormat.length(records);
        header.wrap(buffer, 0);
        header.magic(HandoffProtocol.MAGIC).version(HandoffProtocol.VERSION).typeCode(type).totalLength(length).flags(0);
        Bytes.putU16(buffer, SENDER_OFFSET, senderId);
        Bytes.putU16(buffer, COUNT_OFFSET, records);
        sealer.seal(buffer, 0, length);
        records = 0;
        return length;
    }

    /** The datagram {@link #seal()} wrote; valid until the next record. */
    byte[] buffer() {
        return buffer;
    }

    /** Seals and returns the datagram in an array of its own. */
    byte[] sealCopy() {
        return Arrays.copyOf(buffer, seal());
    }
}
