package org.handoff.director.cluster;

import static org.handoff.director.cluster.GossipFormat.*;

import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.handoff.protocol.message.DecodeResult;
import org.handoff.protocol.message.HandoffKeys;
import org.handoff.protocol.message.HandoffProtocol;
import org.handoff.protocol.message.MessageHeaderFlyweight;
import org.handoff.protocol.message.ReplayGuard;
import org.handoff.protocol.message.SealVerifier;
import org.handoff.protocol.wire.Bytes;

/**
 * Checks one gossip datagram ({@link GossipFormat}) in the hand-off protocol's receiver order
 * (docs/handoff-protocol.md section 6): frame, type, key, MAC, timestamp window, body, and for
 * live gossip the message id against the replay guard. Results are the protocol's
 * {@link DecodeResult}s, so rejections are counted under the same names. Never throws, allocates
 * nothing. Not thread-safe: {@link DirectorCluster} calls it under its receive lock.
 */
final class GossipDecoder {
    private final SealVerifier verifier;
    private final ReplayGuard replayGuard;
    private final LongSupplier clockMillis;
    private final MessageHeaderFlyweight header = new MessageHeaderFlyweight();
    private byte[] buffer;
    private int offset;
    private int records;

    /** @param replayGuard the window and the ids seen; live gossip and state chunks share its window, only live gossip its ids */
    GossipDecoder(Supplier<HandoffKeys> keys, ReplayGuard replayGuard, LongSupplier clockMillis) {
        this.verifier = new SealVerifier(keys);
        this.replayGuard = replayGuard;
        this.clockMillis = clockMillis;
    }

    /** Checks {@code buffer[offset, offset+length)} as a datagram of {@code type}; on ACCEPTED the record accessors read it. */
    DecodeResult decode(byte[] buffer, int offset, int length, int type) {
        this.records = 0;
        if (buffer == null || offset < 0 || length < 0 || offset > buffer.length - length || length > HandoffProtocol.MAX_DATAGRAM_LENGTH) {
            return DecodeResult.BAD_LENGTH;
        }
        if (length < EMPTY_LENGTH) {
            return DecodeResult.TRUNCATED;
        }
        header.wrap(buffer, offset);
        if (header.magic() != HandoffProtocol.MAGIC) {
            return DecodeResult.BAD_MAGIC;
        }
        if (header.version() != HandoffProtocol.VERSION) {
            return DecodeResult.BAD_VERSION;
        }
        if (header.totalLength() != length) {
            return DecodeResult.BAD_LENGTH;
        }
        if (header.flags() != 0) {
            return DecodeResult.RESERVED_NONZERO;
        }
        if (header.typeCode() != type) {
            return DecodeResult.UNKNOWN_TYPE;
        }
        DecodeResult sealed = verifier.verify(buffer, offset, length);
        if (sealed != DecodeResult.ACCEPTED) {
            return sealed;
        }
        long now = clockMillis.getAsLong();
        long timestamp = header.timestampMillis();
        if (!replayGuard.inWindow(timestamp, now)) {
            return DecodeResult.STALE;
        }
        this.buffer = buffer;
        this.offset = offset;
        if (!bodyValid(length, type == TYPE_GOSSIP_STATE)) {
            return DecodeResult.BAD_BODY;
        }
        if (type == TYPE_GOSSIP) {
            switch (replayGuard.admit(header.messageId(), timestamp, now)) {
                case DUPLICATE:
                    return DecodeResult.DUPLICATE;
                case CAPACITY_EXHAUSTED:
                    return DecodeResult.REPLAY_CAPACITY;
                case STALE:
                    return DecodeResult.STALE;
                default:
                    break;
            }
        }
        records = Bytes.u16(buffer, offset + COUNT_OFFSET);
        return DecodeResult.ACCEPTED;
    }

    private boolean bodyValid(int length, boolean state) {
        int count = Bytes.u16(buffer, offset + COUNT_OFFSET);
        if (GossipFormat.length(count) != length || sender() == 0) {
            return false;
        }
        for (int i = 0; i < count; i++) {
            int r = offset + FIRST_RECORD_OFFSET + i * RECORD_LENGTH;
            int kind = Bytes.u8(buffer, r + KIND_OFFSET);
            if (kind == KIND_SECRET ? !secretValid(r, state) : !flowValid(r, kind, state)) {
                return false;
            }
        }
        return true;
    }

    private boolean flowValid(int r, int kind, boolean state) {
        if (kind < KIND_STARTED || kind > KIND_ENDED || Bytes.u8(buffer, r + FAMILY_OFFSET) != FAMILY_IPV4
                || Bytes.u16(buffer, r + OWNER_OFFSET) == 0 || Bytes.u16(buffer, r + CLIENT_PORT_OFFSET) == 0
                || Bytes.u16(buffer, r + VIP_PORT_OFFSET) == 0 || Bytes.i64(buffer, r + VERSION_OFFSET) <= 0) {
            return false;
        }
        int flags = Bytes.u16(buffer, r + FLAGS_OFFSET);
        boolean agentGiven = Bytes.i32(buffer, r + AGENT_ADDRESS_OFFSET) != 0 && Bytes.u16(buffer, r + AGENT_PORT_OFFSET) != 0
                && Bytes.i64(buffer, r + TOKEN_OFFSET) != 0;
        boolean agentZero = Bytes.i32(buffer, r + AGENT_ADDRESS_OFFSET) == 0 && Bytes.u16(buffer, r + AGENT_PORT_OFFSET) == 0
                && Bytes.i64(buffer, r + TOKEN_OFFSET) == 0;
        if (kind == KIND_HANDED_OFF ? !agentGiven : !agentZero) {
            return false;
        }
        // ORPHANED is state-transfer only, and only a handed-off flow can be an orphan.
        return flags == 0 || (state && flags == FLAG_ORPHANED && kind == KIND_HANDED_OFF);
    }

    private boolean secretValid(int r, boolean state) {
        int slot = Bytes.u8(buffer, r + SECRET_SLOT_OFFSET);
        return (slot == 0 || (state && slot == 1)) && Bytes.u16(buffer, r + OWNER_OFFSET) != 0
                && Bytes.i32(buffer, r + SECRET_ID_OFFSET) != 0 && Bytes.i64(buffer, r + SECRET_VERSION_OFFSET) > 0
                && Bytes.i64(buffer, r + SECRET_RESERVED_OFFSET) == 0;
    }

    // ---- the last accepted datagram ----

    int sender() {
        return Bytes.u16(buffer, offset + SENDER_OFFSET);
    }

    long timestampMillis() {
        return header.timestampMillis();
    }

    int records() {
        return records;
    }

    private int at(int record) {
        return offset + FIRST_RECORD_OFFSET + record * RECORD_LENGTH;
    }

    int kind(int record) {
        return Bytes.u8(buffer, at(record) + KIND_OFFSET);
    }

    int owner(int record) {
        return Bytes.u16(buffer, at(record) + OWNER_OFFSET);
    }

    long k0(int record) {
        int r = at(record);
        return OwnershipTable.k0(Bytes.i32(buffer, r + CLIENT_ADDRESS_OFFSET), Bytes.i32(buffer, r + VIP_ADDRESS_OFFSET));
    }

    long k1(int record) {
        int r = at(record);
        return OwnershipTable.k1(Bytes.u16(buffer, r + CLIENT_PORT_OFFSET), Bytes.u16(buffer, r + VIP_PORT_OFFSET));
    }

    long version(int record) {
        return Bytes.i64(buffer, at(record) + VERSION_OFFSET);
    }

    int agentAddress(int record) {
        return Bytes.i32(buffer, at(record) + AGENT_ADDRESS_OFFSET);
    }

    int agentPort(int record) {
        return Bytes.u16(buffer, at(record) + AGENT_PORT_OFFSET);
    }

    int flags(int record) {
        return Bytes.u16(buffer, at(record) + FLAGS_OFFSET);
    }

    long token(int record) {
        return Bytes.i64(buffer, at(record) + TOKEN_OFFSET);
    }

    int secretSlot(int record) {
        return Bytes.u8(buffer, at(record) + SECRET_SLOT_OFFSET);
    }

    int secretId(int record) {
        return Bytes.i32(buffer, at(record) + SECRET_ID_OFFSET);
    }

    long secretVersion(int record) {
        return Bytes.i64(buffer, at(record) + SECRET_VERSION_OFFSET);
    }

    long secret0(int record) {
        return Bytes.i64(buffer, at(record) + SECRET_OFFSET);
    }

    long secret1(int record) {
        return Bytes.i64(buffer, at(record) + SECRET_OFFSET + 8);
    }
}
