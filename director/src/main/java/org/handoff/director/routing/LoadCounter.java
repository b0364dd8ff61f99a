package org.handoff.director.routing;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.handoff.director.config.Server;

/**
 * The director's count of open flows per server, updated by the workers: {@link #handedOff}
 * when the agent has acknowledged a hand-off, {@link #closed} when that flow ends (FIN/RST seen
 * or idle timeout). Thread-safe; keyed by server name, so counts survive a reload that keeps
 * the name, and a server that leaves the config drains to zero as its flows close.
 */
public final class LoadCounter implements LoadView {
    private final ConcurrentHashMap<String, AtomicInteger> flows = new ConcurrentHashMap<>();

    public void handedOff(Server server) {
        flows.computeIfAbsent(server.name(), k -> new AtomicInteger()).incrementAndGet();
    }

    /** Never goes below zero, so a stray close (after a restart, say) cannot skew the counts. */
    public void closed(Server server) {
        AtomicInteger n = flows.get(server.name());
        if (n != null) {
            n.getAndUpdate(v -> v > 0 ? v - 1 : 0);
        }
    }

    @Override
    public int openFlows(Server server) {
        AtomicInteger n = flows.get(server.name());
        return n == null ? 0 : n.get();
    }
}
