package org.handoff.director.handoff;

import java.net.InetSocketAddress;

/** Sends hand-off datagrams to agents. Returns false (the caller counts it) instead of throwing. */
@FunctionalInterface
public interface AgentChannel {
    boolean send(InetSocketAddress agent, byte[] datagram, int offset, int length);
}
