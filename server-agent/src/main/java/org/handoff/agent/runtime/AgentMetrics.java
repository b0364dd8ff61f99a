package org.handoff.agent.runtime;

import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.function.ToLongFunction;
import org.handoff.agent.flow.AgentCounters;
import org.handoff.agent.kernel.AgentDatapath;
import org.handoff.agent.kernel.AgentKernelCounter;
import org.handoff.protocol.message.AbortReason;
import org.handoff.protocol.message.CloseReason;
import org.handoff.protocol.message.DecodeResult;
import org.handoff.protocol.message.NackReason;
import org.handoff.protocol.wire.WireError;

/**
 * The agent's Prometheus metrics (docs/agent.md, "Metrics"): Micrometer function counters over
 * the workers' plain counters, summed at scrape time, so the per-packet path only increments a
 * field. Served at {@code /metrics} by the JDK's small HTTP server when an address is given.
 */
public final class AgentMetrics implements AutoCloseable {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final HttpServer server;
    /**
     * Held here because Micrometer keeps only a weak reference to a function counter's state
     * object: a list nobody else holds is collected at the next GC and every counter over it
     * then reads 0 (seen after a 100 MB download).
     */
    private final List<AgentCounters> workers;

    AgentMetrics(AgentRuntime runtime, InetSocketAddress listen) throws IOException {
        List<AgentCounters> workers = runtime.counters();
        this.workers = workers;
        counter("handoff.agent.handoffs.received", "HANDOFF messages accepted by the decoder", workers, c -> c.handoffsReceived);
        counter("handoff.agent.handoffs.accepted", "hand-offs acknowledged (the stack accepted the request)", workers,
                c -> c.handoffsAccepted);
        for (NackReason r : NackReason.values()) {
            counter("handoff.agent.handoffs.refused", "hand-offs refused, by reason", workers, c -> c.handoffsRefused[r.ordinal()],
                    "reason", r);
        }
        counter("handoff.agent.handoffs.reanswered", "duplicate HANDOFFs answered again", workers, c -> c.handoffsReanswered);
        counter("handoff.agent.probes.answered", "directors' liveness probes (HEARTBEAT) answered", workers, c -> c.probesAnswered);
        counter("handoff.agent.endpoints.reused", "flows ended because their client port came back with a new connection",
                workers, c -> c.endpointsReused);
        Gauge.builder("handoff.agent.flows.open", runtime, AgentRuntime::flowsOpen).description("flows held now")
                .register(registry);
        for (CloseReason r : CloseReason.values()) {
            counter("handoff.agent.flows.closed", "flows freed, by reason", workers, c -> c.flowsClosed[r.ordinal()], "reason", r);
        }
        for (AbortReason r : AbortReason.values()) {
            counter("handoff.agent.aborts", "ABORT messages, by reason", workers, c -> c.aborts[r.ordinal()], "reason", r);
        }
        counter("handoff.agent.packets.rewritten", "packets rewritten and sent on", workers, c -> c.packetsServerToClient,
                "direction", "server_to_client");
        counter("handoff.agent.packets.rewritten", "packets rewritten and sent on", workers, c -> c.packetsClientToServer,
                "direction", "client_to_server");
        counter("handoff.agent.bytes.rewritten", "TCP payload bytes rewritten and sent on", workers, c -> c.bytesServerToClient,
                "direction", "server_to_client");
        counter("handoff.agent.bytes.rewritten", "TCP payload bytes rewritten and sent on", workers, c -> c.bytesClientToServer,
                "direction", "client_to_server");
        counter("handoff.agent.tunnel.packets", "TUNNEL packets whose token matched their flow, taken in user space", workers,
                c -> c.tunnelPackets);
        for (AgentCounters.TunnelDrop d : AgentCounters.TunnelDrop.values()) {
            counter("handoff.agent.tunnel.dropped", "TUNNEL packets dropped in user space, by reason", workers,
                    c -> c.tunnelDrops[d.ordinal()], "reason", d);
        }
        counter("handoff.agent.buffered.packets", "client packets held until connection B was ready", workers,
                c -> c.packetsBuffered);
        counter("handoff.agent.buffered.bytes", "bytes of the client packets held until connection B was ready", workers,
                c -> c.bytesBuffered);
        for (AgentCounters.Drop d : AgentCounters.Drop.values()) {
            if (d == AgentCounters.Drop.QUEUE_FULL) {
                continue;
            }
            counter("handoff.agent.drops", "packets and datagrams dropped, by reason", workers, c -> c.drops[d.ordinal()],
                    "reason", d);
        }
        FunctionCounter.builder("handoff.agent.drops", runtime, r -> r.datagramQueueFull + r.stackQueueFull + r.kernelEventQueueFull)
                .description("packets and datagrams dropped, by reason").tag("reason", "queue_full").register(registry);
        for (AgentCounters.Swallow s : AgentCounters.Swallow.values()) {
            counter("handoff.agent.swallowed", "stack segments the client must not see, by kind", workers,
                    c -> c.swallowed[s.ordinal()], "kind", s);
        }
        counter("handoff.agent.request.acks.to.client", "the stack's pure ACKs that completed a request, passed to the client",
                workers, c -> c.requestAcksToClient);
        counter("handoff.agent.syn.acks.same.cycle", "SYN-ACKs of connection B handled in the worker cycle that wrote the SYN",
                workers, c -> c.synAcksInSynCycle);
        for (DecodeResult r : DecodeResult.values()) {
            counter("handoff.agent.datagrams", "datagrams received, by decode result", workers, c -> c.decodeResults[r.ordinal()],
                    "result", r);
        }
        counter("handoff.agent.gso.frames", "TSO super-segments from the stack rewritten and sent on", workers,
                c -> c.gsoFramesServerToClient);
        counter("handoff.agent.gso.segments", "wire segments those super-segments carried", workers,
                c -> c.gsoSegmentsServerToClient);
        for (WireError e : WireError.values()) {
            if (e.ordinal() >= WireError.TRUNCATED_VNET_HEADER.ordinal()) {
                counter("handoff.agent.vnet.header.errors", "stack frames dropped for their virtio-net header, by check", workers,
                        c -> c.vnetHeaderErrors[e.ordinal()], "reason", e);
            }
        }
        for (LinkMode m : LinkMode.values()) {
            Gauge.builder("handoff.agent.link.mode", runtime, r -> r.linkMode() == m ? 1 : 0)
                    .description("how the link runs: 1 for the mode in use (docs/agent-link.md, Offloads)")
                    .tag("mode", m.label()).register(registry);
        }
        for (AgentCounters.Recall r : AgentCounters.Recall.values()) {
            counter("handoff.agent.recalls", "RECALLs received, by what they got", workers, c -> c.recalls[r.ordinal()], "result", r);
        }
        for (AgentCounters.Answered m : AgentCounters.Answered.values()) {
            counter("handoff.agent.answers.evicted", "answers kept for retransmissions forgotten before their 10 s because a"
                    + " worker's memory of them was full, by the message they answer", workers, c -> c.answersEvicted[m.ordinal()],
                    "message", m);
        }
        for (String m : List.of("kernel", "user")) {
            Gauge.builder("handoff.agent.datapath", runtime, r -> r.datapathMode().equals(m) ? 1 : 0)
                    .description("where established flows move: 1 for the data path in use (docs/kernel-datapath.md)")
                    .tag("mode", m).register(registry);
        }
        Gauge.builder("handoff.agent.kernel.flows", workers, ws -> {
            long n = 0;
            for (AgentCounters c : ws) {
                n += c.kernelFlowsAdded + c.kernelFlowsAdopted - c.kernelFlowsRemoved;
            }
            return n;
        }).description("flows whose entries are in the kernel's maps now").register(registry);
        counter("handoff.agent.kernel.flow.events", "kernel path entries, by event", workers, c -> c.kernelFlowsAdded, "event", "added");
        counter("handoff.agent.kernel.flow.events", "kernel path entries, by event", workers, c -> c.kernelFlowsRefused, "event",
                "refused");
        counter("handoff.agent.kernel.flow.events", "kernel path entries, by event", workers, c -> c.kernelFlowsRemoved, "event",
                "removed");
        counter("handoff.agent.kernel.flow.events", "kernel path entries, by event", workers, c -> c.kernelFlowsAdopted, "event",
                "adopted");
        counter("handoff.agent.kernel.flow.events", "kernel path entries, by event", workers, c -> c.kernelEntriesMissing, "event",
                "entry_missing");
        counter("handoff.agent.kernel.flow.events", "kernel path entries, by event", workers, c -> c.kernelCloseEvents, "event",
                "close_event");
        counter("handoff.agent.kernel.flow.events", "kernel path entries, by event", workers, c -> c.kernelCloseEventsUnmatched,
                "event", "close_event_unmatched");
        AgentDatapath datapath = runtime.datapath();
        if (datapath != null) {
            for (AgentKernelCounter k : AgentKernelCounter.values()) {
                FunctionCounter.builder("handoff.agent.kernel.packets", datapath, d -> d.counter(k))
                        .description("packets the kernel path's programs handled, by outcome (bpf/README.md, Counters)")
                        .tag("outcome", k.name().toLowerCase(Locale.ROOT)).register(registry);
            }
        }
        counter("handoff.agent.resets.into.stack", "RSTs injected into the local stack", workers, c -> c.resetsIntoStack);
        counter("handoff.agent.internal.errors", "records whose processing failed (bugs)", workers, c -> c.internalErrors);
        Gauge.builder("handoff.agent.uptime.seconds", runtime, r -> r.uptimeMillis() / 1000.0).register(registry);

        if (listen != null) {
            server = HttpServer.create(listen, 16);
            server.createContext("/metrics", exchange -> {
                byte[] body = registry.scrape().getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
                exchange.sendResponseHeaders(200, body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            });
            server.start();
        } else {
            server = null;
        }
    }

    private void counter(String name, String help, List<AgentCounters> workers, ToLongFunction<AgentCounters> f,
                         Object... tags) {
        FunctionCounter.Builder<List<AgentCounters>> b = FunctionCounter.builder(name, workers, ws -> {
            long sum = 0;
            for (AgentCounters c : ws) {
                sum += f.applyAsLong(c);
            }
            return sum;
        }).description(help);
        for (int i = 0; i < tags.length; i += 2) {
            b.tag((String) tags[i], tags[i + 1].toString().toLowerCase(Locale.ROOT));
        }
        b.register(registry);
    }

    /** The Prometheus text exposition, as {@code /metrics} serves it. */
    public String scrape() {
        return registry.scrape();
    }

    /** The endpoint's bound address, or null when it is off. */
    public InetSocketAddress address() {
        return server == null ? null : server.getAddress();
    }

    @Override
    public void close() {
        if (server != null) {
            server.stop(0);
        }
        registry.close();
    }
}
