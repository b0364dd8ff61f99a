package org.handoff.director.replay;

/**
 * How a simulated agent answers the hand-offs sent to it during a replay
 * ({@code --agent ORIGIN=accept|refuse|silent|delay:MS|loss:PCT}).
 *
 * @param kind what it does with a HANDOFF
 * @param delayNanos for {@link Kind#DELAY}: how long after the HANDOFF its acknowledgement arrives (virtual clock)
 * @param lossPercent for {@link Kind#LOSS}: the chance, 0..100, that a datagram either way is lost
 */
public record AgentBehaviour(Kind kind, long delayNanos, double lossPercent) {
    public enum Kind {
        /** HANDOFF_ACK at once. */
        ACCEPT,
        /** HANDOFF_NACK (SERVER_REFUSED) at once. */
        REFUSE,
        /** Never answers: the director retransmits, fails over, and answers 503 at the deadline. */
        SILENT,
        /** HANDOFF_ACK after {@code delayNanos}. */
        DELAY,
        /** Accepts, but each datagram to or from the agent is lost with {@code lossPercent} % (seeded). */
        LOSS
    }

    public static final AgentBehaviour ACCEPT = new AgentBehaviour(Kind.ACCEPT, 0, 0);

    public AgentBehaviour {
        if (delayNanos < 0 || lossPercent < 0 || lossPercent > 100) {
            throw new IllegalArgumentException("agent behaviour delay=" + delayNanos + "ns loss=" + lossPercent
                    + "% (expected: delay >= 0, loss 0..100)");
        }
    }

    /** Parses "accept", "refuse", "silent", "delay:MS" or "loss:PCT". */
    public static AgentBehaviour parse(String text) {
        String t = text.trim().toLowerCase(java.util.Locale.ROOT);
        int colon = t.indexOf(':');
        String name = colon < 0 ? t : t.substring(0, colon);
        String arg = colon < 0 ? null : t.substring(colon + 1);
        try {
            switch (name) {
                case "accept", "refuse", "silent" -> {
                    if (arg != null) {
                        break;
                    }
                    return new AgentBehaviour(Kind.valueOf(name.toUpperCase(java.util.Locale.ROOT)), 0, 0);
                }
                case "delay" -> {
                    if (arg == null) {
                        break;
                    }
                    return new AgentBehaviour(Kind.DELAY, Math.multiplyExact(Long.parseLong(arg), 1_000_000L), 0);
                }
                case "loss" -> {
                    if (arg == null) {
                        break;
                    }
                    return new AgentBehaviour(Kind.LOSS, 0, Double.parseDouble(arg));
                }
                default -> { }
            }
        } catch (IllegalArgumentException | ArithmeticException e) {
            // reported below
        }
        throw new IllegalArgumentException("agent behaviour '" + text
                + "' (expected: accept, refuse, silent, delay:MS with MS >= 0, or loss:PCT with PCT 0..100)");
    }

    @Override
    public String toString() {
        return switch (kind) {
            case DELAY -> "delay:" + delayNanos / 1_000_000L;
            case LOSS -> "loss:" + (lossPercent == Math.rint(lossPercent) ? String.valueOf((long) lossPercent) : String.valueOf(lossPercent));
            default -> kind.name().toLowerCase(java.util.Locale.ROOT);
        };
    }
}
