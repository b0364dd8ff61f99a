package org.handoff.agent.config;

import java.util.Locale;

/**
 * {@code datapath}: whether established flows move in the kernel (docs/kernel-datapath.md) or
 * through the agent's user space as before.
 */
public enum Datapath {
    /** The kernel path when its programs load and attach here; else the user path, with the reason logged. */
    AUTO,
    /** The kernel path or nothing: the agent refuses to start when it cannot be set up. */
    KERNEL,
    /** Every packet of every flow through the agent (the path before the kernel one). */
    USER;

    public String yaml() {
        return name().toLowerCase(Locale.ROOT);
    }
}
