package org.handoff.agent.flow;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.handoff.agent.config.Service;
import org.handoff.agent.kernel.KernelFlows;
import org.handoff.agent.link.DirectReturn;
import org.handoff.protocol.message.Abort;
import org.handoff.protocol.message.AbortReason;
import org.handoff.protocol.message.FlowIdentity;
import org.handoff.protocol.message.ForwardEncoder;
import org.handoff.protocol.message.Handoff;
import org.handoff.protocol.message.HandoffKeys;
import org.handoff.protocol.message.Message;
import org.handoff.protocol.message.MessageBody;
import org.handoff.protocol.message.MessageDecoder;
import org.handoff.protocol.message.MessageEncoder;
import org.handoff.protocol.message.MessageIdGenerator;
import org.handoff.protocol.message.MessageSealer;
import org.handoff.protocol.message.NegotiatedOptions;
import org.handoff.protocol.message.ReplayGuard;
import org.handoff.protocol.message.TunnelFrameWriter;
import org.handoff.protocol.seq.SeqNumber;
import org.handoff.protocol.wire.Bytes;

/**
 * A {@link FlowEngine} in memory: a director that encodes hand-off messages with the test key,
 * a scripted local stack (what the engine injects is collected; the test feeds the stack's
 * answers), a direct-return egress and a control channel that collect what is sent.
 */
final class EngineHarness {
    static final HandoffKeys KEYS = HandoffKeys.of(7, 7L, Bytes.fromHex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"));
    static final int DIRECTOR = Bytes.parseIpv4("198.18.0.1");
    static final int DIRECTOR_PORT = 40_000;
    static final int VIP = Bytes.parseIpv4("198.18.1.1");
    static final int VIP_PORT = 80;
    /** The flow token of every HANDOFF the harness builds: the one TUNNEL packets must carry. */
    static final long FLOW_TOKEN = 0x70ce_2bad_c0de_0001L;

    final long[] clockMillis = {1_800_000_000_000L};
    long nowNanos = 1_000_000_000L;
    final List<byte[]> injected = new ArrayList<>();
    final List<byte[]> egress = new ArrayList<>();
    final List<byte[]> control = new ArrayList<>();
    /** Where each of {@link #control} went: "address:port". */
    final List<String> controlTo = new ArrayList<>();
    final AgentCounters counters = new AgentCounters();
    final FlowBudget budget;
    final FlowEngine engine;
    final int handoffAddress;
    final MessageEncoder director = new MessageEncoder(new MessageSealer(() -> KEYS, MessageIdGenerator.withBootId(0x5eed), () -> clockMillis[0]));
    final ForwardEncoder forward = new ForwardEncoder(new MessageSealer(() -> KEYS, MessageIdGenerator.withBootId(0xf0f0), () -> clockMillis[0]));
    final MessageDecoder directorDecoder = new MessageDecoder(() -> KEYS, null, () -> clockMillis[0]);
    boolean stackAccepts = true;
    /** Runs as each packet goes into the stack: a test plays a stack (and kernel) that answers at once. */
    Runnable afterInject = () -> { };
    /** Off for allocation measurements: outputs are then only counted (by the engine). */
    boolean collect = true;

    /** How the harness's link and egress look to the engine (docs/agent-link.md, "Offloads"). */
    enum Link {
        /** Plain packets in, a raw-socket-like egress (LinkMode OFF). */
        PLAIN,
        /** Frames with a virtio-net header in, an egress without offloads (LinkMode SPLIT). */
        VNET_SPLIT,
        /** Frames with a virtio-net header in, an egress that takes them whole (LinkMode FORWARD). */
        VNET_FORWARD
    }

    /** What the FORWARD egress was handed: virtio-net header + packet. */
    final List<byte[]> egressFrames = new ArrayList<>();

    EngineHarness(int handoffAddress, int maxFlows, EngineSettings settings) {
        this(handoffAddress, maxFlows, settings, Link.PLAIN);
    }

    EngineHarness(int handoffAddress, int maxFlows, EngineSettings settings, Link link) {
        this(handoffAddress, maxFlows, settings, link, new ReplayGuard(2_000, 500, 1 << 16));
    }

    /** @param guard the engine's replay guard (the agent's {@code replay.*}; the default harness has 2 s, 0.5 s, 2^16) */
    EngineHarness(int handoffAddress, int maxFlows, EngineSettings settings, Link link, ReplayGuard guard) {
        this(handoffAddress, maxFlows, settings, link, guard, KernelFlows.NONE);
    }

    /** @param kernelFlows the kernel data path's maps the engine writes (in memory in tests) */
    EngineHarness(int handoffAddress, int maxFlows, EngineSettings settings, Link link, ReplayGuard guard, KernelFlows kernelFlows) {
        this.handoffAddress = handoffAddress;
        this.budget = new FlowBudget(maxFlows);
        MessageDecoder decoder = new MessageDecoder(() -> KEYS, guard, () -> clockMillis[0]);
        MessageEncoder encoder = new MessageEncoder(new MessageSealer(() -> KEYS, MessageIdGenerator.withBootId(0xa9e7), () -> clockMillis[0]));
        DirectReturn out = new DirectReturn() {
            @Override
            public boolean send(byte[] buf, int off, int len) {
                if (collect) {
                    egress.add(Arrays.copyOfRange(buf, off, off + len));
                }
                return true;
            }

            @Override
            public boolean takesOffloads() {
                return link == Link.VNET_FORWARD;
            }

            @Override
            public boolean sendOffloaded(byte[] buf, int off, int len) {
                if (link != Link.VNET_FORWARD) {
                    throw new AssertionError("an offloaded frame sent to an egress without offloads");
                }
                if (collect) {
                    egressFrames.add(Arrays.copyOfRange(buf, off, off + len));
                }
                return true;
            }

            @Override
            public void close() {
            }
        };
        this.engine = new FlowEngine(settings, decoder, encoder, (b, off, len) -> {
            if (collect) {
                injected.add(Arrays.copyOfRange(b, off, off + len));
            }
            afterInject.run();
            return stackAccepts;
        }, out, (address, port, b, off, len) -> {
            control.add(Arrays.copyOfRange(b, off, off + len));
            controlTo.add(Bytes.ipv4ToString(address) + ":" + port);
            return true;
        }, budget, counters, nowNanos, link != Link.PLAIN, kernelFlows);
    }

    static EngineSettings settings(int handoffAddress, Duration connect, Duration idle, Duration linger) {
        return new EngineSettings(handoffAddress, List.of(new Service(0, 80)), List.of(VIP), 8, connect, idle, linger, 2);
    }

    EngineHarness(int handoffAddress) {
        this(handoffAddress, 100, settings(handoffAddress, Duration.ofMillis(300), Duration.ofSeconds(30), Duration.ofMillis(500)));
    }

    // ---- director side

    static FlowIdentity flow(int client, int clientPort) {
        return FlowIdentity.ipv4(client, clientPort, VIP, VIP_PORT);
    }

    static Handoff handoff(FlowIdentity flow, int ci, int di, int clientWindow, NegotiatedOptions options, byte[] request) {
        return new Handoff(flow, address(Bytes.parseIpv4("198.18.0.11")), 80, 1, SeqNumber.of(ci), SeqNumber.of(di),
                SeqNumber.of(SeqNumber.add(ci, 1 + request.length)), SeqNumber.of(SeqNumber.add(di, 1)), clientWindow, options,
                FLOW_TOKEN, request);
    }

    static InetAddress address(int a) {
        try {
            return InetAddress.getByAddress(new byte[] {(byte) (a >>> 24), (byte) (a >>> 16), (byte) (a >>> 8), (byte) a});
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    /** Encodes a message (HANDOFF, RECALL, ...) as the director would (keep the bytes to retransmit them). */
    byte[] encode(MessageBody body) {
        return director.encode(body);
    }

    void deliver(byte[] datagram) {
        engine.onDatagram(datagram, 0, datagram.length, DIRECTOR, DIRECTOR_PORT, nowNanos);
    }

    void forward(FlowIdentity flow, byte[]... packets) {
        byte[] buf = new byte[65_536];
        forward.begin(buf, 0, flow);
        for (byte[] p : packets) {
            if (forward.append(p, 0, p.length) != ForwardEncoder.Append.APPENDED) {
                throw new AssertionError("FORWARD append");
            }
        }
        int n = forward.seal();
        engine.onDatagram(buf, 0, n, DIRECTOR, DIRECTOR_PORT, nowNanos);
    }

    /**
     * Sends each packet as the director's kernel program would: one TUNNEL with {@code token}, the
     * UDP payload of {@link TunnelFrameWriter}'s frame, from that frame's source port.
     */
    void tunnel(long token, byte[]... packets) {
        for (byte[] p : packets) {
            byte[] d = tunnelPayload(token, p);
            engine.onDatagram(d, 0, d.length, DIRECTOR, TunnelFrameWriter.sourcePort(p, 0), nowNanos);
        }
    }

    /** A TUNNEL carrying {@code packet} with {@code token}: bytes 28.. of the frame the director's XDP program sends. */
    static byte[] tunnelPayload(long token, byte[] packet) {
        byte[] frame = new byte[TunnelFrameWriter.OVERHEAD + packet.length];
        new TunnelFrameWriter().write(frame, 0, DIRECTOR, Bytes.parseIpv4("198.18.0.11"), 7070, token, packet, 0, packet.length);
        return Arrays.copyOfRange(frame, TunnelFrameWriter.TUNNEL_OFFSET, frame.length);
    }

    void abort(FlowIdentity flow, AbortReason reason) {
        deliver(director.encode(new Abort(flow, reason)));
    }

    // ---- stack side

    void stack(byte[] packet) {
        engine.onStackPacket(packet.clone(), 0, packet.length, nowNanos);
    }

    void advance(Duration d) {
        long target = nowNanos + d.toNanos();
        while (nowNanos < target) {
            nowNanos = Math.min(target, nowNanos + 1_000_000L);
            clockMillis[0] += 1;
            engine.onTick(nowNanos);
        }
    }

    /** The last datagram sent to the director. */
    byte[] lastControl() {
        return control.get(control.size() - 1);
    }

    /** The last datagram sent to the director, decoded. */
    Message lastControlMessage() {
        return decode(lastControl());
    }

    /** The control messages sent so far, decoded. */
    List<Message> controlMessages() {
        List<Message> out = new ArrayList<>();
        for (byte[] d : control) {
            out.add(decode(d));
        }
        return out;
    }

    Message decode(byte[] datagram) {
        try {
            return directorDecoder.decodeOrThrow(datagram, 0, datagram.length);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
