package org.handoff.protocol.transform;

/** Outcome of rewriting one packet. Per-packet callers count these and drop on anything but {@link #OK}. */
public enum RewriteResult {
    OK,
    /** Not IPv4 (the transform core handles IPv4 flows; IPv6 has views but no flows yet). */
    NOT_IPV4,
    /** IPv4 but not TCP. */
    NOT_TCP,
    /** A fragment: TCP ports and options cannot be rewritten in a piece of a datagram. */
    FRAGMENT,
    /** Failed a length or option check. */
    MALFORMED
}
