package org.handoff.cli;

import ch.qos.logback.classic.Logger;
import java.util.Locale;
import org.slf4j.LoggerFactory;

/**
 * The log level knob. {@code logback.xml} reads {@code HANDOFF_LOG_LEVEL} itself; this class
 * checks that value (Logback would silently turn a typo into DEBUG) and applies
 * {@code --log-level}, which wins over the environment.
 */
public final class Logging {
    public static final String ENV = "HANDOFF_LOG_LEVEL";

    /** The levels a user may name; mapped one-to-one onto Logback's. */
    public enum Level { TRACE, DEBUG, INFO, WARN, ERROR, OFF }

    private Logging() {
    }

    /** Falls back to INFO, with a warning, when {@code HANDOFF_LOG_LEVEL} names no level. */
    static void applyEnvironment() {
        String value = System.getenv(ENV);
        if (value == null || value.isBlank()) {
            return;
        }
        try {
            setLevel(Level.valueOf(value.trim().toUpperCase(Locale.ROOT)));
        } catch (IllegalArgumentException e) {
            setLevel(Level.INFO);
            LoggerFactory.getLogger(Logging.class).warn(
                    "{}={} is not a level (expected one of TRACE, DEBUG, INFO, WARN, ERROR, OFF); using INFO",
                    ENV, value);
        }
    }

    public static void setLevel(Level level) {
        org.slf4j.Logger root = LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        if (root instanceof Logger) {
            ((Logger) root).setLevel(ch.qos.logback.classic.Level.toLevel(level.name()));
        }
    }
}
