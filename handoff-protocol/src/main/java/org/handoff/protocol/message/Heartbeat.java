package org.handoff.protocol.message;

/**
 * HEARTBEAT value (type 7). Layout in {@link HeartbeatFlyweight}.
 *
 * @param agentId      1..64 characters from A-Z a-z 0-9 . _ : @ -
 * @param openFlows    flows the agent holds now (u32)
 * @param flowLimit    most flows it will hold (u32)
 * @param loadPermille the agent's utilisation figure, 1000 = fully loaded (0..65535)
 * @param health       its own view of its health
 * @param uptimeMillis time since the agent started
 */
public record Heartbeat(String agentId, long openFlows, long flowLimit, int loadPermille, HealthState health, long uptimeMillis)
        implements MessageBody {

    public Heartbeat {
        if (agentId == null || health == null) {
            throw new IllegalArgumentException("HEARTBEAT with a null field (expected: agent id and health)");
        }
        if (agentId.isEmpty() || agentId.length() > HeartbeatFlyweight.MAX_AGENT_ID_LENGTH) {
            throw new IllegalArgumentException("agent id length " + agentId.length() + " (expected: 1.."
                    + HeartbeatFlyweight.MAX_AGENT_ID_LENGTH + ")");
        }
        for (int i = 0; i < agentId.length(); i++) {
            if (!HeartbeatFlyweight.isAgentIdChar(agentId.charAt(i))) {
                throw new IllegalArgumentException("agent id '" + agentId + "' character " + (i + 1)
                        + " (expected: A-Z a-z 0-9 . _ : @ -)");
            }
        }
        if (openFlows < 0 || openFlows > 0xffff_ffffL || flowLimit < 0 || flowLimit > 0xffff_ffffL) {
            throw new IllegalArgumentException("open flows " + openFlows + ", flow limit " + flowLimit + " (expected: 0..4294967295)");
        }
        if (loadPermille < 0 || loadPermille > 0xffff) {
            throw new IllegalArgumentException("load " + loadPermille + " per mille (expected: 0..65535)");
        }
    }

    @Override
    public MessageType type() {
        return MessageType.HEARTBEAT;
    }

    @Override
    public int encodedLength() {
        return HeartbeatFlyweight.AGENT_ID_OFFSET + agentId.length() + HandoffProtocol.MAC_LENGTH;
    }

    @Override
    public void encodeBody(byte[] buffer, int datagramOffset) {
        new HeartbeatFlyweight().wrap(buffer, datagramOffset)
                .uptimeMillis(uptimeMillis)
                .openFlows(openFlows)
                .flowLimit(flowLimit)
                .loadPermille(loadPermille)
                .health(health)
                .agentId(agentId);
    }

    public static Heartbeat decode(HeartbeatFlyweight f) {
        return new Heartbeat(f.agentId(), f.openFlows(), f.flowLimit(), f.loadPermille(), f.health(), f.uptimeMillis());
    }
}
