package org.handoff.protocol.message;

import static org.handoff.protocol.message.HandoffProtocol.MAC_LENGTH;

import java.nio.charset.StandardCharsets;
import org.handoff.protocol.wire.Bytes;

/**
 * View over a HEARTBEAT (type 7): an agent's liveness, load and health, sent periodically to the
 * director. No flow identity.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                 Common header (28 bytes)                      |  0
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                                                               | 28
 * +                  Uptime, ms (u64)                             +
 * |                                                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                       Open Flows (u32)                        | 36
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                       Flow Limit (u32)                        | 40
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |        Load (per mille)       |    Health     | Agent Id Len  | 44
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |          Agent Id (1..64 ASCII bytes, no padding) ...         | 48
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                       MAC (32 bytes)                          |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * Health: a HealthState code (1 OK, 2 DRAINING, 3 DOWN).
 * Load: the agent's own utilisation figure, 1000 = fully loaded (may exceed 1000).
 * Agent Id: letters, digits and . _ : @ - only, so it is safe in logs and metric labels.
 * </pre>
 */
public final class HeartbeatFlyweight extends MessageHeaderFlyweight {
    public static final int UPTIME_OFFSET = BODY_OFFSET;
    public static final int OPEN_FLOWS_OFFSET = 36;
    public static final int FLOW_LIMIT_OFFSET = 40;
    public static final int LOAD_OFFSET = 44;
    public static final int HEALTH_OFFSET = 46;
    public static final int AGENT_ID_LENGTH_OFFSET = 47;
    public static final int AGENT_ID_OFFSET = 48;
    public static final int MAX_AGENT_ID_LENGTH = 64;

    @Override
    public HeartbeatFlyweight wrap(byte[] buffer, int offset) {
        super.wrap(buffer, offset);
        return this;
    }

    public long uptimeMillis() {
        return Bytes.i64(buffer, offset + UPTIME_OFFSET);
    }

    public HeartbeatFlyweight uptimeMillis(long millis) {
        Bytes.putI64(buffer, offset + UPTIME_OFFSET, millis);
        return this;
    }

    public long openFlows() {
        return Bytes.u32(buffer, offset + OPEN_FLOWS_OFFSET);
    }

    public HeartbeatFlyweight openFlows(long flows) {
        Bytes.putI32(buffer, offset + OPEN_FLOWS_OFFSET, (int) flows);
        return this;
    }

    public long flowLimit() {
        return Bytes.u32(buffer, offset + FLOW_LIMIT_OFFSET);
    }

    public HeartbeatFlyweight flowLimit(long limit) {
        Bytes.putI32(buffer, offset + FLOW_LIMIT_OFFSET, (int) limit);
        return this;
    }

    public int loadPermille() {
        return Bytes.u16(buffer, offset + LOAD_OFFSET);
    }

    public HeartbeatFlyweight loadPermille(int load) {
        Bytes.putU16(buffer, offset + LOAD_OFFSET, load);
        return this;
    }

    public int healthCode() {
        return Bytes.u8(buffer, offset + HEALTH_OFFSET);
    }

    public HealthState health() {
        return HealthState.fromCode(healthCode());
    }

    public HeartbeatFlyweight health(HealthState health) {
        Bytes.putU8(buffer, offset + HEALTH_OFFSET, health.code());
        return this;
    }

    public int agentIdLength() {
        return Bytes.u8(buffer, offset + AGENT_ID_LENGTH_OFFSET);
    }

    /** Allocates a String; heartbeats are not on the hot path. */
    public String agentId() {
        return new String(buffer, offset + AGENT_ID_OFFSET, agentIdLength(), StandardCharsets.US_ASCII);
    }

    /** Writes the length and the bytes of an id already checked by {@link Heartbeat}. */
    public HeartbeatFlyweight agentId(String agentId) {
        byte[] ascii = agentId.getBytes(StandardCharsets.US_ASCII);
        Bytes.putU8(buffer, offset + AGENT_ID_LENGTH_OFFSET, ascii.length);
        System.arraycopy(ascii, 0, buffer, offset + AGENT_ID_OFFSET, ascii.length);
        return this;
    }

    static boolean isAgentIdChar(int c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || c == '.' || c == '_' || c == ':' || c == '@' || c == '-';
    }

    @Override
    boolean checkBody(int length, DecodeFailure failure) {
        int idLength = agentIdLength();
        int room = length - AGENT_ID_OFFSET - MAC_LENGTH;
        if (idLength < 1 || idLength > MAX_AGENT_ID_LENGTH) {
            return failure.body(BodyError.BAD_AGENT_ID_LENGTH, idLength, 1, MAX_AGENT_ID_LENGTH);
        }
        if (idLength != room) {
            // The field must describe exactly the bytes between the fixed body and the MAC.
            return failure.body(BodyError.BAD_AGENT_ID_LENGTH, idLength, room, room);
        }
        for (int i = 0; i < idLength; i++) {
            int c = Bytes.u8(buffer, offset + AGENT_ID_OFFSET + i);
            if (!isAgentIdChar(c)) {
                return failure.body(BodyError.BAD_AGENT_ID_CHAR, c);
            }
        }
        return health() != null || failure.body(BodyError.BAD_HEALTH, healthCode());
    }

    @Override
    public String toString() {
        return super.toString() + " HEARTBEAT{agent=" + agentId() + ", health=" + health() + ", flows=" + openFlows() + "/"
                + flowLimit() + ", load=" + loadPermille() + " permille, uptime=" + uptimeMillis() + "ms}";
    }
}
