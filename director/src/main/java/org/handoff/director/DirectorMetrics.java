package org.handoff.director;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;
import org.handoff.director.handoff.HandoffCounters;
import org.handoff.director.kernel.DirectorCounter;
import org.handoff.director.kernel.DirectorDatapath;
import org.handoff.director.tcp.FlowListener;
import org.handoff.director.tcp.TcpCounters;
import org.handoff.protocol.message.DecodeResult;

/**
 * The director's Prometheus metrics. Workers keep plain counters (no atomics on the packet
 * path); this class sums them over workers when Prometheus scrapes. Every public counter field
 * of {@link TcpCounters} becomes {@code handoff_director_tcp_<name>_total}, so a counter added
 * there is exported without touching this file.
 */
public final class DirectorMetrics {
    private final PrometheusMeterRegistry registry;

    private final List<DirectorWorker> workers;
    private final Supplier<? extends Iterable<String>> origins;
    private final Set<String> registeredOrigins = new HashSet<>();

    /**
     * @param origins the origin names of the running config, asked again at each scrape: an
     *     origin a reload added gets its counters then (and one removed keeps its last values)
     */
    public DirectorMetrics(List<DirectorWorker> workers, Supplier<? extends Iterable<String>> origins) {
        this(workers, origins, DirectorDatapath.user("not started"));
    }

    /** @param datapath the data path that runs: its XDP counters, mode, next-hop failures */
    public DirectorMetrics(List<DirectorWorker> workers, Supplier<? extends Iterable<String>> origins, DirectorDatapath datapath) {
        this(newRegistry(), workers, origins, datapath, null, null);
    }

    /** The registry the director's metrics go to: made first, so the cluster registers its own there as it starts. */
    static PrometheusMeterRegistry newRegistry() {
        return new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    }

    /**
     * @param registry from {@link #newRegistry()}, where the cluster's own metrics may be already
     * @param clusterFlows the cluster's listener, or null without a cluster (no cluster metric is registered then)
     * @param peerReceiver the peer endpoint's receiver, or null without a cluster
     */
    DirectorMetrics(PrometheusMeterRegistry registry, List<DirectorWorker> workers, Supplier<? extends Iterable<String>> origins,
                    DirectorDatapath datapath, ClusterFlows clusterFlows, PeerPacketReceiver peerReceiver) {
        this.registry = registry;
        for (Field f : TcpCounters.class.getFields()) {
            if (f.getType() == long.class && !Modifier.isStatic(f.getModifiers())) {
                counter("handoff_director_tcp_" + snake(f.getName()), "TCP termination: " + f.getName(), workers,
                        w -> readLong(f, w.terminator().counters()));
            }
        }
        for (FlowListener.CloseCause cause : FlowListener.CloseCause.values()) {
            FunctionCounter.builder("handoff_director_flows_closed", workers,
                            ws -> sum(ws, w -> w.terminator().counters().closed(cause)))
                    .tag("cause", cause.name().toLowerCase(Locale.ROOT))
                    .description("flows freed on the director, by cause")
                    .register(registry);
        }
        for (TcpCounters.RequestAck o : TcpCounters.RequestAck.values()) {
            FunctionCounter.builder("handoff_director_request_acks", workers,
                            ws -> sum(ws, w -> w.terminator().counters().requestAcks(o)))
                    .tag("outcome", o.name().toLowerCase(Locale.ROOT))
                    .description("ACKs of segments that completed a request and started its hand-off (handoff.request-ack-delay)")
                    .register(registry);
        }
        for (HandoffCounters.RequestOutcome o : HandoffCounters.RequestOutcome.values()) {
            FunctionCounter.builder("handoff_director_requests", workers, ws -> sum(ws, w -> w.coordinator().counters().outcome(o)))
                    .tag("outcome", o.name().toLowerCase(Locale.ROOT))
                    .description("requests by outcome")
                    .register(registry);
        }
        for (HandoffCounters.PinReason r : HandoffCounters.PinReason.values()) {
            FunctionCounter.builder("handoff_director_connections_pinned", workers,
                            ws -> sum(ws, w -> w.coordinator().counters().pinned(r)))
                    .tag("reason", r.name().toLowerCase(Locale.ROOT))
                    .description("connections whose later requests all stay with their origin, by why")
                    .register(registry);
        }
        this.workers = workers;
        this.origins = origins;
        registerOrigins();
        counter("handoff_director_forward_datagrams", "FORWARD datagrams sent", workers, w -> w.coordinator().counters().forwardDatagrams);
        counter("handoff_director_tunnel_packets", "client packets Java forwarded as TUNNEL (flows with a kernel entry)", workers,
                w -> w.coordinator().counters().tunnelPackets);
        counter("handoff_director_forward_packets", "client packets forwarded", workers, w -> w.coordinator().counters().forwardPackets);
        counter("handoff_director_forward_split", "client frames cut to fit a datagram", workers, w -> w.coordinator().counters().forwardSplit);
        counter("handoff_director_agent_send_failures", "datagrams to agents that could not be sent", workers,
                w -> w.coordinator().counters().sendFailures);
        counter("handoff_director_agent_messages", "datagrams received from agents", workers, w -> w.controlReceived);
        counter("handoff_director_internal_errors", "exceptions caught in a worker's duty cycle (bugs; logged)", workers,
                w -> w.internalErrors);
        for (DecodeResult r : DecodeResult.values()) {
            if (r != DecodeResult.ACCEPTED) {
                FunctionCounter.builder("handoff_director_agent_messages_rejected", workers,
                                ws -> sum(ws, w -> w.decoder().count(r)))
                        .tag("reason", r.name().toLowerCase(Locale.ROOT))
                        .description("datagrams from agents rejected by the decoder")
                        .register(registry);
            }
        }
        counter("handoff_director_capture_received", "packets the kernel passed to the capture (pcap_stats)", workers,
                w -> w.liveSource() == null ? 0 : w.liveSource().kernelReceived());
        counter("handoff_director_capture_dropped", "packets dropped because the capture buffer was full (pcap_stats)", workers,
                w -> w.liveSource() == null ? 0 : w.liveSource().kernelDropped());
        counter("handoff_director_capture_interface_dropped", "packets the interface dropped (pcap_stats)", workers,
                w -> w.liveSource() == null ? 0 : w.liveSource().interfaceDropped());
        // Frames the capture handed over but the link decoder dropped: a truncated frame means
        // the capture saw GSO/GRO super-frames (offloads on) or its slots are too small.
        for (String reason : new String[] {"truncated", "not_ip", "not_for_host", "malformed_ip"}) {
            FunctionCounter.builder("handoff_director_capture_frames_dropped", workers, ws -> sum(ws, w -> {
                org.handoff.director.io.LivePcapSource live = w.liveSource();
                if (live == null) {
                    return 0;
                }
                return switch (reason) {
                    case "truncated" -> live.decoder().truncated();
                    case "not_ip" -> live.decoder().notIp();
                    case "not_for_host" -> live.decoder().notForHost();
                    default -> live.decoder().malformedIp();
                };
            })).tag("reason", reason).description("captured frames dropped before TCP, by reason").register(registry);
        }
        // The director's own packets (SYN-ACKs, ACKs, answers, resets) its raw socket did not send.
        for (String reason : new String[] {"invalid", "failed", "would_block"}) {
            FunctionCounter.builder("handoff_director_send_dropped", workers, ws -> sum(ws, w -> {
                org.handoff.director.io.RawSocketSink raw = w.rawSink();
                if (raw == null) {
                    return 0;
                }
                return switch (reason) {
                    case "invalid" -> raw.invalid();
                    case "failed" -> raw.failed();
                    default -> raw.wouldBlock();
                };
            })).tag("reason", reason).description("packets to clients the raw socket did not send, by reason")
                    .register(registry);
        }
        Gauge.builder("handoff_director_flows", workers, ws -> sum(ws, w -> w.terminator().flowCount()))
                .description("flows held by the director").register(registry);
        Gauge.builder("handoff_director_buffered_bytes", workers, ws -> sum(ws, w -> w.terminator().bufferedBytes()))
                .description("request, held-packet and spare receive-array bytes buffered (limit: limits.max-buffered-bytes-total)").register(registry);
        Gauge.builder("handoff_director_half_open", workers, ws -> sum(ws, w -> w.terminator().halfOpenCount()))
                .description("half-open flows (waiting for the final ACK)").register(registry);
        for (DirectorCounter c : DirectorCounter.values()) {
            FunctionCounter.builder("handoff_director_xdp_packets", datapath, d -> d.counter(c))
                    .tag("outcome", c.metricName())
                    .description("frames the XDP program saw on the capture interface, by what it did (kernel path)")
                    .register(registry);
        }
        for (String mode : new String[] {"kernel", "user"}) {
            Gauge.builder("handoff_director_datapath", datapath, d -> d.mode().equals(mode) ? 1 : 0).tag("mode", mode)
                    .description("the data path that runs (1), chosen at start by datapath").register(registry);
        }
        Gauge.builder("handoff_director_kernel_flow_entries", workers, ws -> sum(ws, w -> w.coordinator().counters().kernelEntries))
                .description("handed-off flows with an entry in the XDP flow map").register(registry);
        counter("handoff_director_kernel_flow_entries_written", "XDP flow entries written (at HANDOFF_ACK, and when a flow is pinned)",
                workers, w -> w.coordinator().counters().kernelEntriesWritten);
        counter("handoff_director_kernel_flow_entries_deleted", "XDP flow entries deleted (flow ended, handed back, agent lost)",
                workers, w -> w.coordinator().counters().kernelEntriesDeleted);
        counter("handoff_director_kernel_flow_entries_unwritten", "XDP flow entries not written (no next hop): flows left on the user path",
                workers, w -> w.coordinator().counters().kernelEntriesUnwritten);
        FunctionCounter.builder("handoff_director_next_hop_refresh_failures", datapath, DirectorDatapath::nextHopFailures)
                .description("agents whose next hop (route, complete neighbour entry) could not be read at a refresh")
                .register(registry);
        counter("handoff_director_agents_recovered", "unreachable agents that answered again within handoff.agent-restart-grace",
                workers, w -> w.coordinator().counters().agentsRecovered);
        Gauge.builder("handoff_director_handoffs_pending", workers, ws -> sum(ws, w -> w.coordinator().pendingHandoffs()))
                .description("hand-offs waiting for the agent's answer").register(registry);
        if (clusterFlows != null) {
            registerCluster(workers, clusterFlows, peerReceiver);
        }
    }

    /** What the wiring of the directors' cluster did (the group's own metrics are {@code DirectorCluster}'s). */
    private void registerCluster(List<DirectorWorker> workers, ClusterFlows flows, PeerPacketReceiver peerReceiver) {
        for (PeerPacketReceiver.Outcome o : PeerPacketReceiver.Outcome.values()) {
            FunctionCounter.builder("handoff_director_cluster_peer_datagrams", peerReceiver, r -> r.outcome(o))
                    .tag("outcome", o.name().toLowerCase(Locale.ROOT))
                    .description("datagrams on cluster.peer-port (other directors' packets of this director's flows), by outcome")
                    .register(registry);
        }
        counter("handoff_director_cluster_peer_inbox_dropped", "other directors' packets dropped: a worker's inbox full or a packet"
                + " longer than its slots", workers, w -> w.peerInbox() == null ? 0
                : w.peerInbox().droppedFull() + w.peerInbox().droppedTooLong());
        for (PeerFlowForwarder.Outcome o : PeerFlowForwarder.Outcome.values()) {
            FunctionCounter.builder("handoff_director_cluster_packets", workers, ws -> sum(ws, w -> w.peerPackets(o)))
                    .tag("outcome", o.name().toLowerCase(Locale.ROOT))
                    .description("client packets of no flow of this director, by what the cluster's table said (user path)")
                    .register(registry);
        }
        for (ClusterFlows.EntryEvent e : ClusterFlows.EntryEvent.values()) {
            FunctionCounter.builder("handoff_director_cluster_kernel_entries", flows, f -> f.entries(e))
                    .tag("event", e.name().toLowerCase(Locale.ROOT))
                    .description("XDP flow entries of other directors' handed-off flows written, not written (no next hop), deleted")
                    .register(registry);
        }
        FunctionCounter.builder("handoff_director_cluster_events", flows, ClusterFlows::handedOffEvents).tag("event", "handed_off")
                .description("other directors' flows learnt from the group, by event").register(registry);
        FunctionCounter.builder("handoff_director_cluster_events", flows, ClusterFlows::terminatingEvents).tag("event", "terminating")
                .description("other directors' flows learnt from the group, by event").register(registry);
        FunctionCounter.builder("handoff_director_cluster_events", flows, ClusterFlows::endedEvents).tag("event", "ended")
                .description("other directors' flows learnt from the group, by event").register(registry);
    }

    private synchronized void registerOrigins() {
        for (String origin : origins.get()) {
            if (!registeredOrigins.add(origin)) {
                continue;
            }
            for (HandoffCounters.OriginEvent e : HandoffCounters.OriginEvent.values()) {
                FunctionCounter.builder("handoff_director_handoffs", workers,
                                ws -> sum(ws, w -> w.coordinator().counters().origin(origin, e)))
                        .tag("origin", origin)
                        .tag("event", e.name().toLowerCase(Locale.ROOT))
                        .description("hand-off events per origin")
                        .register(registry);
            }
        }
    }

    private void counter(String name, String help, List<DirectorWorker> workers, ToLongFunction<DirectorWorker> read) {
        FunctionCounter.builder(name, workers, ws -> sum(ws, read)).description(help).register(registry);
    }

    private static double sum(List<DirectorWorker> workers, ToLongFunction<DirectorWorker> read) {
        long s = 0;
        for (DirectorWorker w : workers) {
            s += read.applyAsLong(w);
        }
        return s;
    }

    private static long readLong(Field f, Object o) {
        try {
            return f.getLong(o);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    static String snake(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase(Locale.ROOT);
    }

    public String scrape() {
        registerOrigins();
        return registry.scrape();
    }
}
