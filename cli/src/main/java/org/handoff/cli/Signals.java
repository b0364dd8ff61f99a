package org.handoff.cli;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SIGHUP handling. The JDK has no public signal API; {@code sun.misc.Signal} (module
 * jdk.unsupported) is the one every JVM server uses for reload-on-HUP, and it is kept here, in
 * one place, so nothing else depends on it.
 */
final class Signals {
    private static final Logger LOG = LoggerFactory.getLogger(Signals.class);

    private Signals() {
    }

    @SuppressWarnings("sunapi")
    static void onHangup(Runnable action) {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("HUP"), s -> action.run());
        } catch (IllegalArgumentException e) {
            LOG.warn("SIGHUP cannot be handled on this JVM ({}); use a restart to reload", e.getMessage());
        }
    }
}
