package org.handoff.director.config;

import java.util.Locale;

/**
 * {@code datapath}: where a handed-off flow's client packets are sent on to its agent
 * (docs/kernel-datapath.md). {@link #KERNEL}: the XDP program on the capture interface tunnels
 * them, Java sees only what needs a decision; {@link #USER}: every packet goes through the
 * capture and Java's FORWARD; {@link #AUTO}: the kernel path when it loads, else the user path,
 * with one line saying why.
 */
public enum Datapath {
    AUTO, KERNEL, USER;

    /** As the config writes it: auto, kernel, user. */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }
}
