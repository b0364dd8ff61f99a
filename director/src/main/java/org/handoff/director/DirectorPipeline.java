package org.handoff.director;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Objects;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.handoff.director.config.DirectorConfig;
import org.handoff.director.handoff.AgentChannel;
import org.handoff.director.handoff.DecisionListener;
import org.handoff.director.handoff.FlowTokens;
import org.handoff.director.handoff.HandoffCoordinator;
import org.handoff.director.http.HttpHeadParser;
import org.handoff.director.io.VipEndpoint;
import org.handoff.director.kernel.KernelFlows;
import org.handoff.director.routing.LoadCounter;
import org.handoff.director.tcp.FlowListener;
import org.handoff.director.tcp.TcpTerminator;
import org.handoff.protocol.message.DecodeResult;
import org.handoff.protocol.message.ForwardEncoder;
import org.handoff.protocol.message.HandoffKeys;
import org.handoff.protocol.message.MessageDecoder;
import org.handoff.protocol.message.MessageEncoder;
import org.handoff.protocol.message.MessageIdGenerator;
import org.handoff.protocol.message.MessageSealer;
import org.handoff.protocol.message.ReplayGuard;

/**
 * One worker's director logic, wired in one place: connection A's {@link TcpTerminator}, the
 * {@link HandoffCoordinator} that owns and listens to it, the request parser, the HANDOFF and
 * FORWARD encoders sharing one sealer, and the decoder of the agents' answers. No I/O and no
 * clock of its own: packets, answers and ticks come in with their time, and what the pipeline
 * sends goes to the {@link AgentChannel} and {@link TcpTerminator.SegmentOutput} it was given.
 *
 * <p>{@link DirectorWorker} builds one per worker over live or in-memory I/O,
 * {@code ReplayEngine} one over a capture with simulated agents and fixed secrets, and the
 * tests and benchmarks theirs the same way, so all of them run the same wiring.
 */
public final class DirectorPipeline {
    private final TcpTerminator<HandoffCoordinator.Attempt> terminator;
    private final HandoffCoordinator coordinator;
    private final MessageDecoder answers;

    private DirectorPipeline(Builder b, long nowNanos) {
        Supplier<WorkerSettings> settings = b.settings;
        // The loader refuses IPv6 VIPs; VipEndpoint.of refuses them in a config built otherwise.
        List<VipEndpoint> vips = b.config.vips().stream().map(VipEndpoint::of).toList();
        int[] vipAddresses = vips.stream().mapToInt(VipEndpoint::address).toArray();
        int[] vipPorts = vips.stream().mapToInt(VipEndpoint::port).toArray();
        FlowListener.EndObserver flowEnds = b.flowEnds;
        Supplier<HandoffKeys> keys = () -> settings.get().keys(); // swapped with the rest on reload
        MessageSealer sealer = new MessageSealer(keys, b.messageIds, b.wallMillis);
        coordinator = new HandoffCoordinator(
                listener -> new TcpTerminator<>(() -> settings.get().tcp(), vipAddresses, vipPorts, b.secret0, b.secret1,
                        flowEnds == null ? listener : listener.thenTelling(flowEnds), b.output, nowNanos),
                () -> settings.get().routing(),
                new HttpHeadParser(b.config.limits().maxRequestHeadBytes(), b.config.limits().maxRequestHeaders()),
                new MessageEncoder(sealer), new ForwardEncoder(sealer), b.flowTokens, b.agents, () -> settings.get().handoff(),
                b.load, nowNanos);
        coordinator.decisionListener(b.decisions);
        coordinator.kernelFlows(b.kernelFlows);
        terminator = coordinator.terminator();
        answers = new MessageDecoder(keys, b.answerGuard, b.wallMillis);
    }

    /**
     * Starts the wiring of one worker.
     *
     * @param config the config at start: the VIPs and the request-head limits, which a reload may
     *     not change ({@code ReloadScope})
     * @param settings what a reload swaps: routing, connection A's settings, hand-off timing and the key ring,
     *     read at each use
     * @param load flows per server, counted by the coordinator and read by the routing table
     */
    public static Builder builder(DirectorConfig config, Supplier<WorkerSettings> settings, LoadCounter load) {
        return new Builder(config, settings, load);
    }

    public TcpTerminator<HandoffCoordinator.Attempt> terminator() {
        return terminator;
    }

    public HandoffCoordinator coordinator() {
        return coordinator;
    }

    /** The decoder of the agents' answers (MAC, and the replay guard when one was given). */
    public MessageDecoder decoder() {
        return answers;
    }

    /**
     * One datagram from an agent: decoded, and if it is a valid answer (a duplicate included:
     * the guard said so, the coordinator ignores what it already knows) handed to the
     * coordinator. Returns false when the decoder refused it ({@link #decoder()} says why), or
     * when it is a TUNNEL: those go from director to agent only, and are not sealed, so one
     * arriving here is anybody's and answers nothing.
     */
    public boolean onAgentDatagram(byte[] datagram, int offset, int length, long nowNanos) {
        return onAgentDatagram(datagram, offset, length, null, nowNanos);
    }

    /** The same, from agent {@code from} (null: not known, as in a replay). */
    public boolean onAgentDatagram(byte[] datagram, int offset, int length, InetSocketAddress from, long nowNanos) {
        DecodeResult r = answers.decode(datagram, offset, length);
        if (r != DecodeResult.ACCEPTED && r != DecodeResult.DUPLICATE || !answers.type().isSealed()) {
            return false;
        }
        coordinator.onAgentMessage(answers, from, nowNanos);
        return true;
    }

    /** Advances the terminator's and the coordinator's timers; returns how many fired. */
    public int onTick(long nowNanos) {
        return terminator.onTick(nowNanos) + coordinator.onTick(nowNanos);
    }

    /** The inputs of one pipeline; {@link #build} checks that each required one was given. */
    public static final class Builder {
        private final DirectorConfig config;
        private final Supplier<WorkerSettings> settings;
        private final LoadCounter load;
        private boolean secretsGiven;
        private long secret0;
        private long secret1;
        private MessageIdGenerator messageIds;
        private FlowTokens flowTokens;
        private AgentChannel agents;
        private TcpTerminator.SegmentOutput output;
        private LongSupplier wallMillis;
        private ReplayGuard answerGuard;
        private DecisionListener decisions;
        private FlowListener.EndObserver flowEnds;
        private KernelFlows kernelFlows = KernelFlows.NONE;

        private Builder(DirectorConfig config, Supplier<WorkerSettings> settings, LoadCounter load) {
            this.config = Objects.requireNonNull(config, "config");
            this.settings = Objects.requireNonNull(settings, "settings");
            this.load = Objects.requireNonNull(load, "load");
        }

        /** The 128-bit secret for ISNs and SYN cookies, the same for every worker (fixed for replay). */
        public Builder secrets(long secret0, long secret1) {
            this.secretsGiven = true;
            this.secret0 = secret0;
            this.secret1 = secret1;
            return this;
        }

        /** Where the sealed messages' ids come from (seeded for replay). */
        public Builder messageIds(MessageIdGenerator messageIds) {
            this.messageIds = messageIds;
            return this;
        }

        /** Where each HANDOFF attempt's flow token comes from: one generator per worker (seeded for replay). */
        public Builder flowTokens(FlowTokens flowTokens) {
            this.flowTokens = flowTokens;
            return this;
        }

        /** Where HANDOFF, FORWARD, ABORT and HEARTBEAT datagrams go. */
        public Builder agents(AgentChannel agents) {
            this.agents = agents;
            return this;
        }

        /** Where the director's own packets to clients go (SYN-ACKs, ACKs, answers, resets). */
        public Builder output(TcpTerminator.SegmentOutput output) {
            this.output = output;
            return this;
        }

        /** Wall-clock milliseconds, stamped into sealed messages and checked in answers. */
        public Builder wallClock(LongSupplier wallMillis) {
            this.wallMillis = wallMillis;
            return this;
        }

        /** Refuses answers replayed or too old (the live director); none by default (replay, tests). */
        public Builder answerGuard(ReplayGuard answerGuard) {
            this.answerGuard = answerGuard;
            return this;
        }

        /** Who else hears each request's decision (besides the {@code handoff.decisions} log). */
        public Builder decisions(DecisionListener decisions) {
            this.decisions = decisions;
            return this;
        }

        /** Who else hears of each flow's end, after the coordinator. */
        public Builder flowEnds(FlowListener.EndObserver flowEnds) {
            this.flowEnds = flowEnds;
            return this;
        }

        /** Where handed-off flows' entries go on the kernel path; {@link KernelFlows#NONE} (the user path) by default. */
        public Builder kernelFlows(KernelFlows kernelFlows) {
            this.kernelFlows = Objects.requireNonNull(kernelFlows, "kernelFlows");
            return this;
        }

        /** The pipeline, its timers starting at {@code nowNanos}. */
        public DirectorPipeline build(long nowNanos) {
            if (settings.get().keys() == null) {
                throw new IllegalStateException("settings.keys: none (expected: the hand-off key ring, which seals HANDOFF"
                        + " and FORWARD and checks the answers' MACs)");
            }
            Objects.requireNonNull(messageIds, "messageIds");
            Objects.requireNonNull(flowTokens, "flowTokens");
            Objects.requireNonNull(agents, "agents");
            Objects.requireNonNull(output, "output");
            Objects.requireNonNull(wallMillis, "wallClock");
            if (!secretsGiven) {
                throw new IllegalStateException("secrets: not given (expected: the worker's ISN and cookie secret)");
            }
            return new DirectorPipeline(this, nowNanos);
        }
    }
}
