package org.handoff.protocol.message;

import static org.handoff.protocol.message.HandoffProtocol.MAX_WINDOW_SHIFT;

/**
 * The TCP options agreed on the client connection, as a HANDOFF carries them.
 *
 * @param clientMss     the MSS the client announced (or the default the director assumed), 1..65535
 * @param clientShift   window-scale shift of the client (wc), 0..14, or {@link #NO_WINDOW_SCALING}
 * @param directorShift window-scale shift of the director (wd), 0..14, or {@link #NO_WINDOW_SCALING}
 * @param sackPermitted SACK-permitted agreed
 * @param timestamps    timestamps agreed
 * @param tsRecent      the client's last TSval (TS.Recent); 0 when timestamps are off
 * @param directorTsVal the director's TSval clock at hand-off; 0 when timestamps are off
 */
public record NegotiatedOptions(int clientMss, int clientShift, int directorShift, boolean sackPermitted, boolean timestamps,
                         int tsRecent, int directorTsVal) {
    /** Window scaling was not negotiated (RFC 7323: both sides must send the option). */
    public static final int NO_WINDOW_SCALING = -1;

    public NegotiatedOptions {
        if (clientMss < 1 || clientMss > 0xffff) {
            throw new IllegalArgumentException("client MSS " + clientMss + " (expected: 1..65535)");
        }
        boolean clientScales = clientShift != NO_WINDOW_SCALING;
        boolean directorScales = directorShift != NO_WINDOW_SCALING;
        if (clientScales != directorScales) {
            throw new IllegalArgumentException("window-scale shifts wc=" + clientShift + " wd=" + directorShift
                    + " (expected: both 0..14 or both NO_WINDOW_SCALING)");
        }
        if (clientScales && (clientShift < 0 || clientShift > MAX_WINDOW_SHIFT || directorShift < 0 || directorShift > MAX_WINDOW_SHIFT)) {
            throw new IllegalArgumentException("window-scale shifts wc=" + clientShift + " wd=" + directorShift + " (expected: 0..14)");
        }
        if (!timestamps && (tsRecent != 0 || directorTsVal != 0)) {
            throw new IllegalArgumentException("timestamps off with TS.Recent=" + Integer.toUnsignedString(tsRecent)
                    + " director TSval=" + Integer.toUnsignedString(directorTsVal) + " (expected: 0 and 0)");
        }
    }

    public boolean windowScaling() {
        return clientShift != NO_WINDOW_SCALING;
    }

    int optionBits() {
        return (sackPermitted ? HandoffFlyweight.OPTION_SACK_PERMITTED : 0)
                | (timestamps ? HandoffFlyweight.OPTION_TIMESTAMPS : 0)
                | (windowScaling() ? HandoffFlyweight.OPTION_WINDOW_SCALE : 0);
    }
}
