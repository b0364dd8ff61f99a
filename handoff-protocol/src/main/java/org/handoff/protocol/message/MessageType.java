package org.handoff.protocol.message;

import static org.handoff.protocol.message.HandoffProtocol.MAC_LENGTH;
import static org.handoff.protocol.message.HandoffProtocol.MAX_DATAGRAM_LENGTH;

/**
 * The message types, with the datagram lengths each allows. Fixed-size types have one legal
 * length; the others have a fixed part and a variable tail that their body check measures.
 * Every type but TUNNEL is sealed (key id, timestamp, MAC); TUNNEL is authenticated by its flow token.
 */
public enum MessageType {
    /** Director to agent: take over this connection. */
    HANDOFF(1, HandoffFlyweight.REQUEST_OFFSET + MAC_LENGTH, MAX_DATAGRAM_LENGTH),
    /** Agent to director: the connection is established with the origin. */
    HANDOFF_ACK(2, HandoffAckFlyweight.BODY_END_OFFSET + MAC_LENGTH, HandoffAckFlyweight.BODY_END_OFFSET + MAC_LENGTH),
    /** Agent to director: the hand-off failed, the director keeps the client. */
    HANDOFF_NACK(3, HandoffNackFlyweight.BODY_END_OFFSET + MAC_LENGTH, HandoffNackFlyweight.BODY_END_OFFSET + MAC_LENGTH),
    /** Director to agent: client packets that arrived after the hand-off. */
    FORWARD(4, ForwardFlyweight.FIRST_ENTRY_OFFSET + MAC_LENGTH, MAX_DATAGRAM_LENGTH),
    /** Either way: forget this flow. */
    ABORT(5, AbortFlyweight.BODY_END_OFFSET + MAC_LENGTH, AbortFlyweight.BODY_END_OFFSET + MAC_LENGTH),
    /** Agent to director: the flow ended; counters for accounting. */
    CLOSED(6, ClosedFlyweight.BODY_END_OFFSET + MAC_LENGTH, ClosedFlyweight.BODY_END_OFFSET + MAC_LENGTH),
    /** Agent to director: liveness and load. */
    HEARTBEAT(7, HeartbeatFlyweight.AGENT_ID_OFFSET + MAC_LENGTH,
            HeartbeatFlyweight.AGENT_ID_OFFSET + HeartbeatFlyweight.MAX_AGENT_ID_LENGTH + MAC_LENGTH),
    /** Director to agent: hand this connection back; the next request routes elsewhere. */
    RECALL(8, RecallFlyweight.BODY_END_OFFSET + MAC_LENGTH, RecallFlyweight.BODY_END_OFFSET + MAC_LENGTH),
    /** Agent to director: the connection is idle; here is its state, connection B is gone. */
    HANDBACK(9, HandbackFlyweight.BODY_END_OFFSET + MAC_LENGTH, HandbackFlyweight.BODY_END_OFFSET + MAC_LENGTH),
    /** Agent to director: the connection stays here (or is unknown), with the reason. */
    RECALL_NACK(10, RecallNackFlyweight.BODY_END_OFFSET + MAC_LENGTH, RecallNackFlyweight.BODY_END_OFFSET + MAC_LENGTH),
    /**
     * Director (its kernel program) to agent: one client packet of a handed-off flow, not sealed;
     * its flow token is the authentication ({@link TunnelFlyweight}).
     */
    TUNNEL(11, TunnelFlyweight.HEADER_LENGTH + TunnelFlyweight.MIN_INNER_LENGTH, MAX_DATAGRAM_LENGTH);

    private static final MessageType[] BY_CODE = new MessageType[12];

    static {
        for (MessageType t : values()) {
            BY_CODE[t.code] = t;
        }
    }

    private final int code;
    private final int minLength;
    private final int maxLength;

    MessageType(int code, int minLength, int maxLength) {
        this.code = code;
        this.minLength = minLength;
        this.maxLength = maxLength;
    }

    public int code() {
        return code;
    }

    /** Shortest legal datagram of this type, header and MAC included. */
    public int minLength() {
        return minLength;
    }

    /** Longest legal datagram of this type; equal to {@link #minLength()} for fixed-size types. */
    public int maxLength() {
        return maxLength;
    }

    public boolean isFixedLength() {
        return minLength == maxLength;
    }

    /** Whether the body starts with a flow identity (every type but HEARTBEAT and TUNNEL). */
    public boolean hasFlowIdentity() {
        return this != HEARTBEAT && this != TUNNEL;
    }

    /** Whether the datagram carries key id, timestamp and MAC (every type but TUNNEL). */
    public boolean isSealed() {
        return this != TUNNEL;
    }

    /** The type with this wire code, or null. */
    public static MessageType fromCode(int code) {
        return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }
}
