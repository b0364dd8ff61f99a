package org.handoff.agent.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.handoff.agent.flow.Sharding;
import org.handoff.protocol.message.Abort;
import org.handoff.protocol.message.AbortReason;
import org.handoff.protocol.message.FlowIdentity;
import org.handoff.protocol.message.HandoffKeys;
import org.handoff.protocol.message.MessageEncoder;
import org.handoff.protocol.message.MessageIdGenerator;
import org.handoff.protocol.message.MessageSealer;
import org.handoff.protocol.message.TunnelFlyweight;
import org.handoff.protocol.message.TunnelFrameWriter;
import org.handoff.protocol.testing.PacketBuilder;
import org.handoff.protocol.wire.Bytes;
import org.handoff.protocol.wire.Ipv4Packet;
import org.handoff.protocol.wire.TcpSegment;
import org.handoff.protocol.wire.VirtioNetHeader;
import org.junit.jupiter.api.Test;

/**
 * The readers shard by client endpoint (datagrams: see {@link #aTunnelGoesToTheWorkerOfItsFlowsOtherMessages}).
 * The link reader gives each stack packet to the worker of its client endpoint (destination
 * address and port), whether the packet comes plain or behind a virtio-net header and whatever
 * its IP header length: the worker that holds the flow, or the flow's packets would be dropped
 * as NO_FLOW by another.
 */
class StackPacketShardingTest {
    private final int client = Bytes.parseIpv4("198.18.2.7");
    private final int clientPort = 40_123;
    /** A server's response on connection B: from H, to the client's address and port. */
    private final byte[] response = PacketBuilder.tcp().from("198.18.0.11", 80).to(client, clientPort)
            .flags(TcpSegment.ACK | TcpSegment.PSH).timestamps(1, 2).payloadLength(100).build();
    private final Ipv4Packet ip = new Ipv4Packet();

    @Test
    void aStackPacketGoesToItsClientEndpointsWorker() {
        byte[] frame = PacketBuilder.vnetFrame(response);
        byte[] withOptions = withIpOptions(response);
        boolean someOtherThanZero = false;
        for (int workers = 1; workers <= 16; workers++) {
            int expected = Sharding.worker(client, clientPort, workers);
            someOtherThanZero |= expected != 0;
            assertEquals(expected, AgentRuntime.workerOfStackPacket(ip, response, 0, response.length, workers), "plain, " + workers);
            assertEquals(expected, AgentRuntime.workerOfStackPacket(ip, frame, VirtioNetHeader.LENGTH, frame.length, workers),
                    "behind a virtio-net header, " + workers);
            assertEquals(expected, AgentRuntime.workerOfStackPacket(ip, withOptions, 0, withOptions.length, workers),
                    "with IP options, " + workers);
        }
        assertTrue(someOtherThanZero, "the endpoint lands on a worker other than 0 for some worker count");
    }

    @Test
    void aPacketTooShortForItsPortsGoesToWorkerZero() {
        int workers = 2;
        while (Sharding.worker(client, clientPort, workers) == 0) {
            workers++; // a count for which the whole packet would go elsewhere
        }
        assertEquals(0, AgentRuntime.workerOfStackPacket(ip, response, 0, Ipv4Packet.MIN_HEADER_LENGTH + 3, workers));
        byte[] withOptions = withIpOptions(response);
        assertEquals(0, AgentRuntime.workerOfStackPacket(ip, withOptions, 0, Ipv4Packet.MIN_HEADER_LENGTH + 4 + 3, workers),
                "the ports after a longer IP header are not there");
    }

    /**
     * A datagram goes to the worker of the flow it names: a sealed message by its flow identity,
     * a TUNNEL by its inner packet's source (the client), whatever the inner IP header length.
     */
    @Test
    void aTunnelGoesToTheWorkerOfItsFlowsOtherMessages() {
        byte[] clientPacket = PacketBuilder.tcp().from(client, clientPort).to("198.18.1.1", 80).flags(TcpSegment.ACK).build();
        byte[] tunnel = tunnelPayload(clientPacket);
        byte[] tunnelWithOptions = tunnelPayload(withIpOptions(clientPacket));
        HandoffKeys keys = HandoffKeys.of(1, 1L, new byte[32]);
        byte[] abort = new MessageEncoder(new MessageSealer(() -> keys, MessageIdGenerator.withBootId(1), () -> 0L))
                .encode(new Abort(FlowIdentity.ipv4(client, clientPort, Bytes.parseIpv4("198.18.1.1"), 80), AbortReason.BAD_STATE));
        for (int workers = 1; workers <= 16; workers++) {
            int expected = Sharding.worker(client, clientPort, workers);
            assertEquals(expected, AgentRuntime.workerOfDatagram(abort, abort.length, workers), "ABORT, " + workers);
            assertEquals(expected, AgentRuntime.workerOfDatagram(tunnel, tunnel.length, workers), "TUNNEL, " + workers);
            assertEquals(expected, AgentRuntime.workerOfDatagram(tunnelWithOptions, tunnelWithOptions.length, workers),
                    "TUNNEL, inner IP options, " + workers);
        }
        int workers = 2;
        while (Sharding.worker(client, clientPort, workers) == 0) {
            workers++;
        }
        assertEquals(0, AgentRuntime.workerOfDatagram(tunnelWithOptions, TunnelFlyweight.INNER_OFFSET + 24 + 3, workers),
                "a TUNNEL too short for its inner ports");
        assertEquals(0, AgentRuntime.workerOfDatagram(tunnel, TunnelFlyweight.INNER_OFFSET + 19, workers));
    }

    private static byte[] tunnelPayload(byte[] inner) {
        byte[] frame = new byte[TunnelFrameWriter.OVERHEAD + inner.length];
        new TunnelFrameWriter().write(frame, 0, 1, 2, 7070, 99, inner, 0, inner.length);
        return Arrays.copyOfRange(frame, TunnelFrameWriter.TUNNEL_OFFSET, frame.length);
    }

    /** The packet with a 4-byte IP option (four NOPs) before its TCP header (PacketBuilder writes none). */
    private static byte[] withIpOptions(byte[] p) {
        int options = 4;
        byte[] out = new byte[p.length + options];
        System.arraycopy(p, 0, out, 0, Ipv4Packet.MIN_HEADER_LENGTH);
        for (int i = 0; i < options; i++) {
            out[Ipv4Packet.MIN_HEADER_LENGTH + i] = 1; // NOP
        }
        System.arraycopy(p, Ipv4Packet.MIN_HEADER_LENGTH, out, Ipv4Packet.MIN_HEADER_LENGTH + options,
                p.length - Ipv4Packet.MIN_HEADER_LENGTH);
        new Ipv4Packet().wrap(out, 0, out.length).versionAndHeaderLength(Ipv4Packet.MIN_HEADER_LENGTH + options)
                .totalLength(out.length).fillHeaderChecksum();
        return out;
    }
}
