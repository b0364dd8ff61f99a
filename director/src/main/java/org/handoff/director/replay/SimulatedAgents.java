package org.handoff.director.replay;

import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import org.handoff.director.config.DirectorConfig;
import org.handoff.director.config.PoolConfig;
import org.handoff.director.config.PoolMember;
import org.handoff.director.handoff.AgentChannel;
import org.handoff.protocol.message.CloseReason;
import org.handoff.protocol.message.Closed;
import org.handoff.protocol.message.DecodeResult;
import org.handoff.protocol.message.FlowIdentity;
import org.handoff.protocol.message.FlowMessageFlyweight;
import org.handoff.protocol.message.Handback;
import org.handoff.protocol.message.HandoffAck;
import org.handoff.protocol.message.HandoffNack;
import org.handoff.protocol.message.MessageBody;
import org.handoff.protocol.message.MessageDecoder;
import org.handoff.protocol.message.MessageEncoder;
import org.handoff.protocol.message.MessageType;
import org.handoff.protocol.message.NackReason;
import org.handoff.protocol.seq.SeqNumber;

/**
 * The agents of a replay: every datagram the director sends goes through here. Each origin
 * answers its HANDOFFs as its {@link AgentBehaviour} says; the answers are real sealed
 * messages, queued with the virtual time they arrive and decoded by the director's own decoder
 * when the replay's clock reaches that time. FORWARD datagrams are counted, not decoded (the
 * replay knows from the client's packets when a handed-off flow closes, see
 * {@link #clientClosed}). Not thread-safe; one per replay.
 */
final class SimulatedAgents implements AgentChannel {
    /** Where copies of the director's datagrams go (the --out capture), or nowhere. */
    interface DatagramTap {
        void datagram(InetSocketAddress to, byte[] b, int off, int len);
    }

    /** An answer on its way to the director. */
    record Answer(long dueNanos, long order, byte[] datagram) {
    }

    private final Map<InetSocketAddress, String> originByAgent = new HashMap<>();
    private final ReplayOptions options;
    private final MessageDecoder decoder;
    private final MessageEncoder encoder;
    private final DatagramTap tap;
    private final SplittableRandom random;
    private final PriorityQueue<Answer> answers = new PriorityQueue<>((a, b) -> a.dueNanos != b.dueNanos
            ? Long.compare(a.dueNanos, b.dueNanos) : Long.compare(a.order, b.order));
    private long order;
    long nowNanos;

    long datagrams;
    long handoffs;
    long recalls;
    long forwards;
    long aborts;
    long lostToAgent;
    long lostFromAgent;
    long unknownAgent;
    long undecodable;
    long answersSent;

    SimulatedAgents(DirectorConfig config, ReplayOptions options, MessageDecoder decoder, MessageEncoder encoder,
                    DatagramTap tap) {
        for (PoolConfig p : config.pools().values()) {
            for (PoolMember m : p.members()) {
                originByAgent.putIfAbsent(m.server().agent().toSocketAddress(), m.server().name());
            }
        }
        this.options = options;
        this.decoder = decoder;
        this.encoder = encoder;
        this.tap = tap;
        this.random = new SplittableRandom(options.seed() ^ 0x5eed_a9e7L);
    }

    String originOf(InetSocketAddress agent) {
        return originByAgent.get(agent);
    }

    @Override
    public boolean send(InetSocketAddress agent, byte[] b, int off, int len) {
        datagrams++;
        if (tap != null) {
            tap.datagram(agent, b, off, len);
        }
        String origin = originByAgent.get(agent);
        if (origin == null) {
            unknownAgent++;
            return true;
        }
        int type = b[off + FlowMessageFlyweight.TYPE_OFFSET] & 0xff;
        if (type == MessageType.FORWARD.code()) {
            forwards++;
            return true;
        }
        if (type == MessageType.ABORT.code()) {
            aborts++;
            return true;
        }
        if (type == MessageType.RECALL.code()) {
            recall(origin, b, off, len);
            return true;
        }
        if (type != MessageType.HANDOFF.code()) {
            return true;
        }
        handoffs++;
        AgentBehaviour behaviour = options.behaviour(origin);
        if (lost(behaviour)) {
            lostToAgent++;
            return true;
        }
        DecodeResult r = decoder.decode(b, off, len);
        if (r != DecodeResult.ACCEPTED && r != DecodeResult.DUPLICATE) {
            undecodable++;
            return true;
        }
        FlowMessageFlyweight f = decoder.flow();
        FlowIdentity flow = FlowIdentity.ipv4(f.clientIpv4(), f.clientPort(), f.vipIpv4(), f.vipPort());
        long id = decoder.header().messageId();
        switch (behaviour.kind()) {
            case ACCEPT, LOSS -> answer(behaviour, nowNanos, HandoffAck.of(flow, id));
            case REFUSE -> answer(behaviour, nowNanos, new HandoffNack(flow, id, NackReason.SERVER_REFUSED));
            case DELAY -> answer(behaviour, nowNanos + behaviour.delayNanos(), HandoffAck.of(flow, id));
            case SILENT -> { }
            default -> throw new IllegalStateException(behaviour.toString());
        }
        return true;
    }

    /**
     * A RECALL: the simulated agent hands the connection back as its behaviour says (accept,
     * loss, delay) or stays silent. It has no origin connection to check, so it takes the
     * recall's Client Ack as the origin's next byte: in a capture of a client that waited for
     * each response, the next request's ack covers it. No timestamps are claimed, so the
     * director's clock goes on as it was.
     */
    private void recall(String origin, byte[] b, int off, int len) {
        recalls++;
        AgentBehaviour behaviour = options.behaviour(origin);
        if (lost(behaviour)) {
            lostToAgent++;
            return;
        }
        DecodeResult r = decoder.decode(b, off, len);
        if (r != DecodeResult.ACCEPTED && r != DecodeResult.DUPLICATE) {
            undecodable++;
            return;
        }
        FlowMessageFlyweight f = decoder.flow();
        FlowIdentity flow = FlowIdentity.ipv4(f.clientIpv4(), f.clientPort(), f.vipIpv4(), f.vipPort());
        Handback back = new Handback(flow, decoder.header().messageId(), SeqNumber.of(decoder.recall().clientAck()), false, 0,
                0, 0, 0, 0);
        switch (behaviour.kind()) {
            case ACCEPT, LOSS, REFUSE -> answer(behaviour, nowNanos, back);
            case DELAY -> answer(behaviour, nowNanos + behaviour.delayNanos(), back);
            case SILENT -> { }
            default -> throw new IllegalStateException(behaviour.toString());
        }
    }

    /** The client of a handed-off flow sent FIN or RST: its agent reports the flow CLOSED. */
    void clientClosed(String origin, FlowIdentity flow, boolean reset) {
        answer(options.behaviour(origin), nowNanos, new Closed(flow, 0, 0, 0, reset ? CloseReason.RST : CloseReason.FIN));
    }

    private void answer(AgentBehaviour behaviour, long due, MessageBody body) {
        if (lost(behaviour)) {
            lostFromAgent++;
            return;
        }
        answersSent++;
        answers.add(new Answer(due, order++, encoder.encode(body)));
    }

    private boolean lost(AgentBehaviour behaviour) {
        return behaviour.kind() == AgentBehaviour.Kind.LOSS && random.nextDouble() * 100.0 < behaviour.lossPercent();
    }

    /** The next answer due at or before {@code nanos}, removed from the queue; or null. */
    Answer nextDue(long nanos) {
        Answer a = answers.peek();
        if (a == null || a.dueNanos > nanos) {
            return null;
        }
        return answers.poll();
    }

    int pending() {
        return answers.size();
    }
}
