package org.handoff.protocol.message;

import static org.handoff.protocol.message.HandoffProtocol.MAC_LENGTH;
import static org.handoff.protocol.message.HandoffProtocol.MAGIC;
import static org.handoff.protocol.message.HandoffProtocol.MAX_DATAGRAM_LENGTH;
import static org.handoff.protocol.message.HandoffProtocol.MIN_DATAGRAM_LENGTH;
import static org.handoff.protocol.message.HandoffProtocol.VERSION;

import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.handoff.protocol.wire.Bytes;

/**
 * The single entry point for received datagrams. {@link #decode} checks one datagram in the
 * order of docs/handoff-protocol.md ("Receiver steps") and returns a {@link DecodeResult}; it
 * never throws and allocates nothing, whatever the bytes. After ACCEPTED or DUPLICATE the typed
 * views ({@link #handoff()}, {@link #forward()}, ...) are wrapped over the datagram and valid until
 * the next call or until the caller reuses the buffer; after a rejection {@link #describe()} says
 * what was measured against what was expected.
 *
 * <p>Steps: (1) range and length, (2) magic and version, (3) header length against datagram,
 * (4) flags zero, (5) type known and its length, (6) key id known, (7) MAC, (8) timestamp in the
 * window, (9) body rules, (10) message id not seen before. The duplicate check comes after the
 * body check so that a DUPLICATE is always a well-formed message the receiver can answer again,
 * and so that a malformed message never occupies the replay tables.
 *
 * <p>A TUNNEL (type 11) is not sealed: after step 5 it gets only its own body rules, and ACCEPTED
 * then means well formed, not authentic. Its flow token is its authentication, which only the
 * flow's owner can compare ({@link #tunnel()}). It has no message id, so it is never a DUPLICATE
 * (a replayed TUNNEL is a TCP segment the receiving stack has seen), and no value:
 * {@link #message()} and {@link #decodeOrThrow} refuse it.
 *
 * <p>Not thread-safe: one decoder per receiving thread.
 */
public final class MessageDecoder {
    private final MacTable macs;
    private final ReplayGuard replayGuard;
    private final LongSupplier clockMillis;
    private final DecodeFailure failure = new DecodeFailure();
    private final long[] counts = new long[DecodeResult.values().length];

    private final MessageHeaderFlyweight header = new MessageHeaderFlyweight();
    private final HandoffFlyweight handoff = new HandoffFlyweight();
    private final HandoffAckFlyweight handoffAck = new HandoffAckFlyweight();
    private final HandoffNackFlyweight handoffNack = new HandoffNackFlyweight();
    private final ForwardFlyweight forward = new ForwardFlyweight();
    private final AbortFlyweight abort = new AbortFlyweight();
    private final ClosedFlyweight closed = new ClosedFlyweight();
    private final HeartbeatFlyweight heartbeat = new HeartbeatFlyweight();
    private final RecallFlyweight recall = new RecallFlyweight();
    private final HandbackFlyweight handback = new HandbackFlyweight();
    private final RecallNackFlyweight recallNack = new RecallNackFlyweight();
    private final TunnelFlyweight tunnel = new TunnelFlyweight();
    private final ForwardPacketCursor packets = new ForwardPacketCursor();
    /** Indexed by type code. */
    private final MessageHeaderFlyweight[] bodyViews = {null, handoff, handoffAck, handoffNack, forward, abort, closed, heartbeat,
        recall, handback, recallNack};

    private DecodeResult result;
    private MessageType type;

    /**
     * @param keys        the key ring; re-read on every decode, so a reload takes effect at once
     * @param replayGuard timestamp window and duplicate tracking, or null to skip steps 8 and 10
     *                    (offline tools that inspect captured datagrams)
     * @param clockMillis Unix epoch milliseconds ({@code System::currentTimeMillis} in production)
     */
    public MessageDecoder(Supplier<HandoffKeys> keys, ReplayGuard replayGuard, LongSupplier clockMillis) {
        this.macs = new MacTable(keys);
        this.replayGuard = replayGuard;
        this.clockMillis = clockMillis;
    }

    /** Checks one datagram at {@code buffer[offset, offset+length)}; never throws. */
    public DecodeResult decode(byte[] buffer, int offset, int length) {
        failure.clear();
        type = null;
        result = check(buffer, offset, length);
        counts[result.ordinal()]++;
        return result;
    }

    private DecodeResult check(byte[] buffer, int offset, int length) {
        // 1. The range must lie in the buffer, and hold at least a header and a MAC.
        if (buffer == null || offset < 0 || length < 0 || offset > buffer.length - length) {
            return failure.range(DecodeResult.BAD_LENGTH, length, 0, buffer == null ? 0 : Math.max(0, buffer.length - Math.max(offset, 0)),
                    "bytes");
        }
        // A sealed datagram holds at least a header and a MAC; a TUNNEL its header and the smallest inner packet.
        int minLength = length > MessageHeaderFlyweight.TYPE_OFFSET
                && Bytes.u8(buffer, offset + MessageHeaderFlyweight.TYPE_OFFSET) == MessageType.TUNNEL.code()
                ? MessageType.TUNNEL.minLength() : MIN_DATAGRAM_LENGTH;
        if (length < minLength) {
            return failure.range(DecodeResult.TRUNCATED, length, minLength, DecodeFailure.NO_MAX, "bytes");
        }
        if (length > MAX_DATAGRAM_LENGTH) {
            return failure.range(DecodeResult.BAD_LENGTH, length, MIN_DATAGRAM_LENGTH, MAX_DATAGRAM_LENGTH, "bytes");
        }
        header.wrap(buffer, offset);
        // 2. Magic and version.
        if (header.magic() != MAGIC) {
            return failure.text(DecodeResult.BAD_MAGIC, header.magic(), "0x484f", true);
        }
        if (header.version() != VERSION) {
            return failure.range(DecodeResult.BAD_VERSION, header.version(), VERSION, VERSION, null);
        }
        // 3. The header's length must be the datagram's: UDP delivers whole datagrams, so any
        //    difference is corruption or a sender bug.
        if (header.totalLength() != length) {
            return failure.range(DecodeResult.BAD_LENGTH, length, header.totalLength(), header.totalLength(), "bytes");
        }
        // 4. Reserved flags.
        if (header.flags() != 0) {
            return failure.text(DecodeResult.RESERVED_NONZERO, header.flags(), "0", true);
        }
        // 5. Type, and the length its layout allows (before any typed view reads a field).
        MessageType t = MessageType.fromCode(header.typeCode());
        if (t == null) {
            return failure.range(DecodeResult.UNKNOWN_TYPE, header.typeCode(), 1, MessageType.values().length, null);
        }
        if (length < t.minLength()) {
            return failure.range(DecodeResult.TRUNCATED, length, t.minLength(), t.isFixedLength() ? t.minLength() : DecodeFailure.NO_MAX,
                    "bytes");
        }
        if (length > t.maxLength()) {
            return failure.range(DecodeResult.BAD_LENGTH, length, t.minLength(), t.maxLength(), "bytes");
        }
        // Not sealed: no key, MAC, timestamp or id to check. Its body rules, and it is well formed.
        if (!t.isSealed()) {
            if (!tunnel.wrap(buffer, offset).checkBody(length, failure)) {
                return DecodeResult.BAD_BODY;
            }
            type = t;
            return DecodeResult.ACCEPTED;
        }
        // 6. Key.
        macs.refresh();
        HmacSha256 mac = macs.forKeyId(header.keyId());
        if (mac == null) {
            return failure.text(DecodeResult.UNKNOWN_KEY, header.keyId(), "a key id in the key ring", false);
        }
        // 7. MAC, compared in constant time. Nothing after this point is attacker-chosen.
        int macOffset = length - MAC_LENGTH;
        if (!mac.verify(buffer, offset, macOffset, buffer, offset + macOffset)) {
            return failure.text(DecodeResult.BAD_MAC, header.keyId(), "the HMAC of the bytes before it", false);
        }
        // 8. Timestamp window.
        long now = replayGuard == null ? 0 : clockMillis.getAsLong();
        long timestamp = header.timestampMillis();
        if (replayGuard != null && !replayGuard.inWindow(timestamp, now)) {
            long tolerance = replayGuard.toleranceMillis();
            return failure.range(DecodeResult.STALE, saturatedDifference(timestamp, now), -tolerance, tolerance, null);
        }
        // 9. Body.
        MessageHeaderFlyweight body = bodyViews[t.code()];
        body.wrap(buffer, offset);
        if (!body.checkBody(length, failure)) {
            return DecodeResult.BAD_BODY;
        }
        type = t;
        // 10. Duplicates.
        if (replayGuard != null) {
            switch (replayGuard.admit(header.messageId(), timestamp, now)) {
                case DUPLICATE:
                    return DecodeResult.DUPLICATE;
                case CAPACITY_EXHAUSTED:
                    type = null;
                    return failure.range(DecodeResult.REPLAY_CAPACITY, replayGuard.capacityPerSlice(), 0,
                            replayGuard.capacityPerSlice() - 1L, "ids");
                case STALE:
                    // Only when the receiver's clock stepped back (see ReplayGuard).
                    type = null;
                    return failure.range(DecodeResult.STALE, saturatedDifference(timestamp, now), -replayGuard.toleranceMillis(),
                            replayGuard.toleranceMillis(), null);
                default:
                    break;
            }
        }
        return DecodeResult.ACCEPTED;
    }

    /** {@code a - b}, clamped instead of wrapping: a forged timestamp near Long.MIN_VALUE must still read as far off. */
    private static long saturatedDifference(long a, long b) {
        long d = a - b;
        if (((a ^ b) & (a ^ d)) < 0) {
            return a < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
        return d;
    }

    /**
     * Decodes into a value, throwing on anything but ACCEPTED (DUPLICATE included: check
     * {@link HandoffProtocolException#result()} to answer a retransmission). A TUNNEL, which has
     * no value, gives IllegalStateException: receivers of TUNNEL use {@link #decode}.
     */
    public Message decodeOrThrow(byte[] buffer, int offset, int length) throws HandoffProtocolException {
        DecodeResult r = decode(buffer, offset, length);
        if (r == DecodeResult.DUPLICATE) {
            throw new HandoffProtocolException(r, null, header.messageId(), "a message id not seen in the replay window",
                    "duplicate message id: 0x" + Long.toHexString(header.messageId()) + " (expected: a message id not seen in the replay window)");
        }
        if (r != DecodeResult.ACCEPTED) {
            throw failure.toException();
        }
        return message();
    }

    /** The last result, or null before the first decode. */
    public DecodeResult result() {
        return result;
    }

    /** Type of the last authentic datagram (ACCEPTED or DUPLICATE), else null. */
    public MessageType type() {
        return type;
    }

    /**
     * The header view; meaningful for any datagram that got past step 1. For a TUNNEL only its
     * first 8 bytes (magic .. flags) are header fields: bytes 8..15 are the flow token, not an id.
     */
    public MessageHeaderFlyweight header() {
        return header;
    }

    /** Flow view of the last authentic datagram (any type but HEARTBEAT): for routing to a flow's owner. */
    public FlowMessageFlyweight flow() {
        requireType(null);
        if (!type.hasFlowIdentity()) {
            throw new IllegalStateException("flow() on a " + type + " (expected: a message with a flow identity)");
        }
        return (FlowMessageFlyweight) bodyViews[type.code()];
    }

    public HandoffFlyweight handoff() {
        requireType(MessageType.HANDOFF);
        return handoff;
    }

    public HandoffAckFlyweight handoffAck() {
        requireType(MessageType.HANDOFF_ACK);
        return handoffAck;
    }

    public HandoffNackFlyweight handoffNack() {
        requireType(MessageType.HANDOFF_NACK);
        return handoffNack;
    }

    public ForwardFlyweight forward() {
        requireType(MessageType.FORWARD);
        return forward;
    }

    /** The packets of the last FORWARD, positioned before the first. */
    public ForwardPacketCursor forwardPackets() {
        return packets.wrap(forward());
    }

    public AbortFlyweight abort() {
        requireType(MessageType.ABORT);
        return abort;
    }

    public ClosedFlyweight closed() {
        requireType(MessageType.CLOSED);
        return closed;
    }

    public HeartbeatFlyweight heartbeat() {
        requireType(MessageType.HEARTBEAT);
        return heartbeat;
    }

    public RecallFlyweight recall() {
        requireType(MessageType.RECALL);
        return recall;
    }

    public HandbackFlyweight handback() {
        requireType(MessageType.HANDBACK);
        return handback;
    }

    public RecallNackFlyweight recallNack() {
        requireType(MessageType.RECALL_NACK);
        return recallNack;
    }

    /** The last TUNNEL: well formed; its token is for the flow's owner to compare. */
    public TunnelFlyweight tunnel() {
        requireType(MessageType.TUNNEL);
        return tunnel;
    }

    /** The last authentic datagram as a value (allocates); not for a TUNNEL, which has no value: read {@link #tunnel()}. */
    public Message message() {
        requireType(null);
        if (!type.isSealed()) {
            throw new IllegalStateException("message() on a " + type + " (expected: a sealed message; read tunnel())");
        }
        MessageBody body = switch (type) {
            case HANDOFF -> Handoff.decode(handoff);
            case HANDOFF_ACK -> HandoffAck.decode(handoffAck);
            case HANDOFF_NACK -> HandoffNack.decode(handoffNack);
            case FORWARD -> Forward.decode(forward);
            case ABORT -> Abort.decode(abort);
            case CLOSED -> Closed.decode(closed);
            case HEARTBEAT -> Heartbeat.decode(heartbeat);
            case RECALL -> Recall.decode(recall);
            case HANDBACK -> Handback.decode(handback);
            case RECALL_NACK -> RecallNack.decode(recallNack);
            case TUNNEL -> throw new IllegalStateException("unreachable: TUNNEL is not sealed");
        };
        return new Message(header.messageId(), header.keyId(), header.timestampMillis(), body);
    }

    private void requireType(MessageType expected) {
        if (type == null || (expected != null && type != expected)) {
            throw new IllegalStateException("last decode: " + result + (type != null ? " " + type : "")
                    + " (expected: ACCEPTED or DUPLICATE" + (expected != null ? " " + expected : "") + ")");
        }
    }

    /** The body rule broken by the last datagram when the result is BAD_BODY, else null. */
    public BodyError bodyError() {
        return failure.bodyError;
    }

    /** The measured value of the last rejection. */
    public long measured() {
        return failure.measured;
    }

    /** The expected value of the last rejection, as text (allocates). */
    public String expected() {
        return failure.result == null ? "" : failure.expected();
    }

    /** "datagram length: 12 bytes (expected: 60+)" for the last rejection (allocates: for logs). */
    public String describe() {
        if (result != null && result.isAuthentic()) {
            // A TUNNEL's bytes 8..15 are its token, which stays out of logs.
            return result.what() + ": " + type + (type.isSealed() ? " id=0x" + Long.toHexString(header.messageId())
                    : " inner=" + tunnel.innerLength() + "B");
        }
        return failure.describe();
    }

    /** Datagrams decoded with this result since construction. */
    public long count(DecodeResult r) {
        return counts[r.ordinal()];
    }
}
