package org.handoff.protocol.message;

import static org.handoff.protocol.message.GoldenMessages.V_HEARTBEAT;
import static org.handoff.protocol.message.Vectors.assertBadBody;
import static org.handoff.protocol.message.Vectors.withByte;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class HeartbeatMessageTest {

    @Test
    void goldenDecodesToItsValue() {
        HeartbeatFlyweight h = Vectors.assertDecodes(V_HEARTBEAT).heartbeat();
        assertEquals("agent-1.lab", h.agentId());
        assertEquals(12, h.openFlows());
        assertEquals(10_000, h.flowLimit());
        assertEquals(250, h.loadPermille());
        assertEquals(HealthState.OK, h.health());
        assertEquals(3_600_000, h.uptimeMillis());
    }

    @Test
    void goldenEncodesToItsBytes() {
        Vectors.assertEncodes(V_HEARTBEAT);
    }

    @Test
    void heartbeatHasNoFlow() {
        MessageDecoder decoder = Vectors.assertDecodes(V_HEARTBEAT);
        assertThrows(IllegalStateException.class, decoder::flow);
    }

    @Test
    void longestAgentIdAndExtremeCountersRoundTrip() {
        char[] id = new char[HeartbeatFlyweight.MAX_AGENT_ID_LENGTH];
        Arrays.fill(id, 'a');
        Heartbeat hb = new Heartbeat(new String(id), 0xffff_ffffL, 0xffff_ffffL, 0xffff, HealthState.DRAINING, Long.MAX_VALUE);
        byte[] d = Vectors.encoder().encode(hb);
        MessageDecoder decoder = Vectors.decoder();
        assertEquals(DecodeResult.ACCEPTED, decoder.decode(d, 0, d.length), decoder::describe);
        assertEquals(hb, decoder.message().body());
    }

    @Test
    void agentIdLengthMustDescribeTheBytesPresent() {
        MessageDecoder d = assertBadBody(withByte(V_HEARTBEAT, HeartbeatFlyweight.AGENT_ID_LENGTH_OFFSET, 10), BodyError.BAD_AGENT_ID_LENGTH);
        assertEquals("body: agent id length: 10 (expected: 11)", d.describe());
        d = assertBadBody(withByte(V_HEARTBEAT, HeartbeatFlyweight.AGENT_ID_LENGTH_OFFSET, 0), BodyError.BAD_AGENT_ID_LENGTH);
        assertEquals("body: agent id length: 0 (expected: 1..64)", d.describe());
    }

    @Test
    void agentIdCharactersAreRestricted() {
        assertBadBody(withByte(V_HEARTBEAT, HeartbeatFlyweight.AGENT_ID_OFFSET + 3, ' '), BodyError.BAD_AGENT_ID_CHAR);
        assertBadBody(withByte(V_HEARTBEAT, HeartbeatFlyweight.AGENT_ID_OFFSET, 0xc3), BodyError.BAD_AGENT_ID_CHAR);
        assertThrows(IllegalArgumentException.class, () -> new Heartbeat("agent 1", 0, 0, 0, HealthState.OK, 0));
        assertThrows(IllegalArgumentException.class, () -> new Heartbeat("", 0, 0, 0, HealthState.OK, 0));
    }

    @Test
    void longerThanTheLongestIdIsABadLength() {
        byte[] golden = Vectors.load(V_HEARTBEAT.file());
        byte[] d = Arrays.copyOf(golden, 145);
        new MessageHeaderFlyweight().wrap(d, 0).totalLength(145);
        MessageDecoder decoder = Vectors.decoder();
        assertEquals(DecodeResult.BAD_LENGTH, decoder.decode(Vectors.reseal(d), 0, d.length));
        assertEquals("datagram length: 145 bytes (expected: 80..144)", decoder.describe());
    }

    @Test
    void unknownHealthIsRejected() {
        assertBadBody(withByte(V_HEARTBEAT, HeartbeatFlyweight.HEALTH_OFFSET, 0), BodyError.BAD_HEALTH);
        assertBadBody(withByte(V_HEARTBEAT, HeartbeatFlyweight.HEALTH_OFFSET, 4), BodyError.BAD_HEALTH);
    }
}
