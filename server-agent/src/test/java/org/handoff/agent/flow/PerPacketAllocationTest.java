package org.handoff.agent.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;
import org.handoff.protocol.message.Handoff;
import org.handoff.protocol.message.NegotiatedOptions;
import org.handoff.protocol.seq.SeqNumber;
import org.handoff.protocol.testing.PacketBuilder;
import org.handoff.protocol.transform.FlowTransform;
import org.handoff.protocol.wire.Bytes;
import org.handoff.protocol.wire.Ipv4Packet;
import org.handoff.protocol.wire.PacketEmitter;
import org.handoff.protocol.wire.TcpSegment;
import org.handoff.protocol.wire.VirtioNetHeader;
import org.junit.jupiter.api.Test;

/**
 * The rewrite paths allocate nothing per packet (and with offloads, per super-segment): a stack packet of an established flow
 * (view, lookup, {@link ClientEgress}: rewrite, direct return, the hand-back counters), a FORWARD datagram (decode with MAC
 * and replay check, cursor, rewrite, injection, the hand-back counters) and a TUNNEL (the user-space fallback: decode, token,
 * rewrite, injection). Measured with the thread's allocation counter after a warm-up, like the protocol module's
 * ForwardHotPathAllocationTest.
 */
class PerPacketAllocationTest {
    private static final int PACKETS = 10_000;
    /** This test's Director ISN, with TS.Recent 1 and Director TSval 2 (not the golden HANDOFF's). */
    private static final int DIRECTOR_ISN = 77;

    private final GoldenFlow g = new GoldenFlow();
    private final List<byte[]> golden = g.golden;

    /** The golden flow's HANDOFF with this test's Director ISN and timestamps. */
    private Handoff handoff() {
        NegotiatedOptions options = new NegotiatedOptions(1460, 10, 7, true, true, 1, 2);
        return EngineHarness.handoff(g.flow, g.ci, DIRECTOR_ISN, 63, options, g.request);
    }

    @Test
    void stackAndForwardPathsAllocateNothing() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        EngineHarness t = new EngineHarness(g.h);
        g.establish(t, handoff(), UnaryOperator.identity());
        t.collect = false;
        long sentAtStart = t.counters.packetsServerToClient; // the request's ACK

        byte[] response = golden.get(5);
        byte[] work = new byte[response.length];
        // FORWARD datagrams prepared up front: each is rewritten in place and has its own id. Every
        // other one carries a new client byte, so the hand-back's "client data since" mark moves too.
        byte[] ackOnA = clientAckOnConnectionA();
        int ackA = Bytes.i32(ackOnA, 28);
        int rounds = 4 * PACKETS;
        byte[][] datagrams = new byte[rounds][];
        byte[] buf = new byte[65_536];
        PacketBuilder data = PacketBuilder.tcp().from(g.client, g.clientPort).to(EngineHarness.VIP, EngineHarness.VIP_PORT)
                .flags(TcpSegment.ACK).ack(ackA).window(63).payload(new byte[1]);
        int nextByte = g.nextRequestStart();
        for (int i = 0; i < rounds; i++) {
            byte[] p = i % 2 == 0 ? ackOnA : data.seq(nextByte).build();
            nextByte = i % 2 == 0 ? nextByte : SeqNumber.add(nextByte, 1);
            t.forward.begin(buf, 0, g.flow);
            t.forward.append(p, 0, p.length);
            datagrams[i] = Arrays.copyOf(buf, t.forward.seal());
        }

        run(t, response, work, datagrams, 0, 3 * PACKETS); // warm-up: JIT, lazily built state
        long before = threads.getCurrentThreadAllocatedBytes();
        run(t, response, work, datagrams, 3 * PACKETS, PACKETS);
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertEquals(sentAtStart + 4L * PACKETS, t.counters.packetsServerToClient, "every stack packet went out");
        assertEquals(4L * PACKETS, t.counters.packetsClientToServer, "every client packet went in");
        AgentFlow f = t.engine.flow(g.client, g.clientPort);
        assertEquals(g.request.length + 2L * PACKETS, f.bytesClientToServer(), "the new client bytes were followed");
        assertEquals(f.serverNext(), f.serverNextAtLastClientData(), "client data came last");
        assertEquals(SeqNumber.add(Bytes.i32(response, 24), Bytes.u16(response, 2) - 52), f.serverNext(),
                "the stack's next byte was followed");
        assertEquals(FlowTransform.rescaleWindow(Bytes.u16(response, 34), 10, 7), f.windowToClient);
        // A few hundred bytes of slack for the measurement itself; per packet it must be zero.
        assertEquals(0, allocated / PACKETS, "bytes allocated per packet pair (" + allocated + " in all)");
    }

    /**
     * With offloads: a TSO super-segment (virtio-net header, partial checksum, 8 segments) per
     * call, sent whole (FORWARD) or cut into complete segments (SPLIT); neither allocates.
     */
    @Test
    void offloadedSuperSegmentsAllocateNothing() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        for (EngineHarness.Link link : List.of(EngineHarness.Link.VNET_FORWARD, EngineHarness.Link.VNET_SPLIT)) {
            EngineHarness t = new EngineHarness(g.h, 100, EngineHarness.settings(g.h, Duration.ofMillis(300),
                    Duration.ofSeconds(30), Duration.ofMillis(500)), link);
            g.establish(t, handoff(), PacketBuilder::vnetFrame);
            t.collect = false;

            byte[] response = golden.get(5);
            byte[] p = new byte[52 + 8 * 1448];
            System.arraycopy(response, 0, p, 0, 52);
            new Ipv4Packet().wrap(p, 0, p.length).totalLength(p.length).fillHeaderChecksum();
            byte[] frame = PacketBuilder.vnetFrame(p);
            new VirtioNetHeader().wrap(frame, 0, frame.length)
                    .gsoType(VirtioNetHeader.GSO_TCPV4).gsoSize(1448).hdrLen(52);
            byte[] work = new byte[frame.length];
            for (int i = 0; i < 3 * PACKETS; i++) { // warm-up
                System.arraycopy(frame, 0, work, 0, frame.length);
                t.engine.onStackPacket(work, 0, work.length, t.nowNanos);
            }
            long before = threads.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < PACKETS; i++) {
                System.arraycopy(frame, 0, work, 0, frame.length);
                t.engine.onStackPacket(work, 0, work.length, t.nowNanos);
            }
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            assertEquals(4L * PACKETS, t.counters.gsoFramesServerToClient, link + ": every super-segment went out");
            assertEquals(32L * PACKETS, t.counters.gsoSegmentsServerToClient, link.toString());
            assertEquals(0, allocated / PACKETS, link + ": bytes allocated per super-segment (" + allocated + " in all)");
        }
    }

    /**
     * The user-space TUNNEL path (the fallback when the kernel ingress program is not loaded):
     * decode without MAC, flow lookup, token check, rewrite, injection. Each TUNNEL is copied into
     * a work buffer first, since the rewrite changes the inner packet in place.
     */
    @Test
    void tunnelPathAllocatesNothing() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        EngineHarness t = new EngineHarness(g.h);
        g.establish(t, handoff(), UnaryOperator.identity());
        t.collect = false;
        byte[] tunnel = EngineHarness.tunnelPayload(EngineHarness.FLOW_TOKEN, clientAckOnConnectionA());
        byte[] work = new byte[tunnel.length];
        for (int i = 0; i < 3 * PACKETS; i++) { // warm-up
            System.arraycopy(tunnel, 0, work, 0, tunnel.length);
            t.engine.onDatagram(work, 0, work.length, EngineHarness.DIRECTOR, 50_000, t.nowNanos);
        }
        long before = threads.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < PACKETS; i++) {
            System.arraycopy(tunnel, 0, work, 0, tunnel.length);
            t.engine.onDatagram(work, 0, work.length, EngineHarness.DIRECTOR, 50_000, t.nowNanos);
        }
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertEquals(4L * PACKETS, t.counters.tunnelPackets, "every TUNNEL matched its flow's token");
        assertEquals(4L * PACKETS, t.counters.packetsClientToServer, "every client packet went in");
        assertEquals(0, allocated / PACKETS, "bytes allocated per TUNNEL (" + allocated + " in all)");
    }

    /** The client's ACK of the response (golden packet 6) as the director captured it on A: to the VIP, ack in A's numbering. */
    private byte[] clientAckOnConnectionA() {
        byte[] ackOnA = golden.get(6).clone();
        Bytes.putI32(ackOnA, 16, EngineHarness.VIP);
        Bytes.putI32(ackOnA, 28, SeqNumber.add(Bytes.i32(ackOnA, 28), SeqNumber.diff(DIRECTOR_ISN, g.si())));
        new PacketEmitter().fillIpv4TcpChecksums(ackOnA, 0);
        return ackOnA;
    }

    private static void run(EngineHarness t, byte[] response, byte[] work, byte[][] datagrams, int from, int count) {
        for (int i = from; i < from + count; i++) {
            System.arraycopy(response, 0, work, 0, response.length);
            t.engine.onStackPacket(work, 0, work.length, t.nowNanos);
            byte[] d = datagrams[i];
            t.engine.onDatagram(d, 0, d.length, EngineHarness.DIRECTOR, EngineHarness.DIRECTOR_PORT, t.nowNanos);
        }
    }
}
