package org.handoff.agent.flow;

import static org.handoff.agent.flow.GoldenFlow.toConnectionA;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.handoff.protocol.message.DecodeResult;
import org.handoff.protocol.testing.PacketBuilder;
import org.handoff.protocol.wire.Bytes;
import org.handoff.protocol.wire.Ipv4Packet;
import org.handoff.protocol.wire.TcpSegment;
import org.junit.jupiter.api.Test;

/**
 * TUNNEL in user space (docs/handoff-protocol.md 3.11, docs/agent.md "TUNNEL"): the fallback when
 * the agent's kernel ingress program is not loaded or passes a packet up. With the flow's token a
 * TUNNEL is one FORWARD entry; otherwise it is dropped and counted, and nothing reaches the stack.
 */
class FlowEngineTunnelTest {
    private final GoldenFlow g = new GoldenFlow();
    private final List<byte[]> golden = g.golden;

    /** The client's ACK of the response, as the director captured it on connection A. */
    private byte[] clientAck() {
        return toConnectionA(golden.get(6), g.d(), g.tOffset());
    }

    /** A client segment with one new request byte, for a flow whose every packet the kernel carries ("all"). */
    private byte[] clientData() {
        return PacketBuilder.tcp().from(g.client, g.clientPort).to(EngineHarness.VIP, EngineHarness.VIP_PORT)
                .flags(TcpSegment.ACK | TcpSegment.PSH).seq(g.nextRequestStart()).ack(g.clientAckOfResponse()).window(63)
                .payload(new byte[] {'G'}).build();
    }

    @Test
    void theFlowsTokenMakesATunnelExactlyOneForwardEntry() {
        EngineHarness viaForward = new EngineHarness(g.h);
        EngineHarness viaTunnel = new EngineHarness(g.h);
        for (EngineHarness t : List.of(viaForward, viaTunnel)) {
            g.establish(t);
            t.stack(golden.get(5)); // the response, which the client's ACK covers
        }
        viaForward.forward(g.flow, clientAck());
        viaForward.forward(g.flow, clientData());
        viaTunnel.tunnel(EngineHarness.FLOW_TOKEN, clientAck(), clientData());

        assertEquals(viaForward.injected.size(), viaTunnel.injected.size());
        for (int i = 0; i < viaForward.injected.size(); i++) {
            assertArrayEquals(viaForward.injected.get(i), viaTunnel.injected.get(i), "packet " + i + " into the stack");
        }
        int n = viaTunnel.injected.size();
        assertArrayEquals(golden.get(6), viaTunnel.injected.get(n - 2), "rewritten onto connection B: the client's real ACK");
        assertEquals(EngineHarness.VIP, Bytes.i32(clientAck(), Ipv4Packet.DESTINATION_OFFSET), "it came addressed to the VIP");
        assertEquals(2, viaTunnel.counters.tunnelPackets);
        assertEquals(viaForward.counters.packetsClientToServer, viaTunnel.counters.packetsClientToServer);
        assertEquals(viaForward.counters.bytesClientToServer, viaTunnel.counters.bytesClientToServer);
        AgentFlow f = viaForward.engine.flow(g.client, g.clientPort);
        AgentFlow ft = viaTunnel.engine.flow(g.client, g.clientPort);
        assertEquals(f.bytesClientToServer(), ft.bytesClientToServer(), "the hand-back counters follow a TUNNEL too");
        assertEquals(f.serverNextAtLastClientData(), ft.serverNextAtLastClientData());
        assertEquals(EngineHarness.FLOW_TOKEN, ft.flowToken(), "the token of the HANDOFF accepted");
        for (AgentCounters.TunnelDrop d : AgentCounters.TunnelDrop.values()) {
            assertEquals(0, viaTunnel.counters.tunnelDropped(d), d.toString());
        }
    }

    @Test
    void aWrongTokenIsDroppedAndCounted() {
        EngineHarness t = new EngineHarness(g.h);
        g.establish(t);
        int injected = t.injected.size();
        long delivered = t.counters.packetsClientToServer;
        t.tunnel(EngineHarness.FLOW_TOKEN ^ 1, clientAck());
        t.tunnel(EngineHarness.FLOW_TOKEN ^ Long.MIN_VALUE, clientAck());
        t.tunnel(0x0123_4567_89ab_cdefL, clientData());
        assertEquals(3, t.counters.tunnelDropped(AgentCounters.TunnelDrop.TOKEN));
        assertEquals(injected, t.injected.size(), "nothing reached the stack");
        assertEquals(delivered, t.counters.packetsClientToServer);
        assertEquals(0, t.counters.tunnelPackets);
        assertEquals(g.request.length, t.engine.flow(g.client, g.clientPort).bytesClientToServer(), "the flow saw nothing");
        t.tunnel(EngineHarness.FLOW_TOKEN, clientAck());
        assertEquals(injected + 1, t.injected.size(), "the flow goes on: the right token still works");
    }

    @Test
    void noFlowAndAnotherVipAreDroppedAndCounted() {
        EngineHarness t = new EngineHarness(g.h);
        t.tunnel(EngineHarness.FLOW_TOKEN, clientAck());
        assertEquals(1, t.counters.tunnelDropped(AgentCounters.TunnelDrop.NO_FLOW));
        g.establish(t);
        int injected = t.injected.size();
        byte[] otherVip = PacketBuilder.tcp().from(g.client, g.clientPort).to(Bytes.parseIpv4("198.18.1.2"), EngineHarness.VIP_PORT)
                .flags(TcpSegment.ACK).seq(g.nextRequestStart()).ack(1).build();
        t.tunnel(EngineHarness.FLOW_TOKEN, otherVip);
        byte[] otherPort = PacketBuilder.tcp().from(g.client, g.clientPort).to(EngineHarness.VIP, 8080)
                .flags(TcpSegment.ACK).seq(g.nextRequestStart()).ack(1).build();
        t.tunnel(EngineHarness.FLOW_TOKEN, otherPort);
        assertEquals(2, t.counters.tunnelDropped(AgentCounters.TunnelDrop.WRONG_FLOW));
        assertEquals(injected, t.injected.size());
        assertEquals(0, t.counters.tunnelPackets);
    }

    @Test
    void aTunnelWhileConnectionBIsSetUpIsHeldLikeAForwardEntry() {
        EngineHarness t = new EngineHarness(g.h);
        t.deliver(t.encode(g.handoff()));
        t.stack(golden.get(1));
        t.tunnel(EngineHarness.FLOW_TOKEN, clientAck());
        assertEquals(2, t.injected.size(), "held, not injected (SYN, the request with the handshake's ACK)");
        assertEquals(1, t.counters.packetsBuffered);
        t.stack(golden.get(4));
        assertEquals(3, t.injected.size());
        assertArrayEquals(golden.get(6), t.injected.get(2), "released after the acceptance, rewritten");
    }

    @Test
    void aMalformedTunnelIsRefusedByTheDecoderBeforeAnyFlowIsLookedUp() {
        EngineHarness t = new EngineHarness(g.h);
        g.establish(t);
        byte[] d = EngineHarness.tunnelPayload(EngineHarness.FLOW_TOKEN, clientAck());
        d[16 + Ipv4Packet.PROTOCOL_OFFSET] = 17; // inner protocol UDP
        long bad = t.counters.decoded(DecodeResult.BAD_BODY);
        int injected = t.injected.size();
        t.engine.onDatagram(d, 0, d.length, EngineHarness.DIRECTOR, 50_000, t.nowNanos);
        assertEquals(bad + 1, t.counters.decoded(DecodeResult.BAD_BODY));
        assertEquals(0, t.counters.tunnelPackets + t.counters.tunnelDropped(AgentCounters.TunnelDrop.TOKEN));
        assertEquals(injected, t.injected.size());
    }
}
