package org.handoff.agent.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.handoff.protocol.transform.FlowTransform;
import org.handoff.protocol.wire.Bytes;
import org.junit.jupiter.api.Test;

/**
 * The bytes the mirror writes for a flow, against bytes written out by hand from the header's
 * layout comments (network order where the header says so, the host's order, little-endian on
 * every host the agent runs on, for the rest), into buffers pre-filled with a sentinel so a
 * field left unwritten shows.
 */
class AgentMapEntriesTest {
    private static final byte SENTINEL = 0x5a;

    /** client 198.18.200.1:40884, VIP 198.18.2.1:8080, H 198.18.200.2:80, d = 0x5bfd6e7d, t = 0x29bcae43, floor 123456789, ws 10, wd 7. */
    private static final FlowTransform FLOW = FlowTransform.builder()
            .client(Bytes.parseIpv4("198.18.200.1"), 40884).vip(Bytes.parseIpv4("198.18.2.1"), 8080)
            .server(Bytes.parseIpv4("198.18.200.2"), 80).isns(0x5bfd6e7d, 0)
            .timestamps(123456789, 123456789 - 0x29bcae43).windowShifts(10, 7).build();

    private static ByteBuffer sentinel(int length) {
        byte[] b = new byte[length];
        Arrays.fill(b, SENTINEL);
        // The buffer's own order must not matter: every access names its byte order.
        return ByteBuffer.wrap(b).order(ByteOrder.nativeOrder() == ByteOrder.BIG_ENDIAN ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN);
    }

    @Test
    void theAgentRunsOnALittleEndianHost() {
        // The expected bytes below write host-order fields little-endian, as the BPF target does here.
        assertEquals(ByteOrder.LITTLE_ENDIAN, ByteOrder.nativeOrder());
    }

    @Test
    void egressKeyIsConnectionBsPacketAsItLeavesTheStack() {
        ByteBuffer b = sentinel(EgressFlowKey.LENGTH);
        EgressFlowKey key = new EgressFlowKey().wrap(b).flow(FLOW);
        assertArrayEquals(Bytes.fromHex("c612c802" + "c612c801" + "0050" + "9fb4"), b.array());
        assertEquals("agent_egress_key[198.18.200.2:80 -> 198.18.200.1:40884]", key.toString());
    }

    @Test
    void egressValueCarriesTheTransformAndTheStartingState() {
        ByteBuffer b = sentinel(EgressFlowValue.LENGTH);
        EgressFlowValue v = new EgressFlowValue().wrap(b).entry(FLOW, true, 0xafb08191, 123456790, 0x7c01795f, 512);
        assertArrayEquals(Bytes.fromHex("c6120201" + "1f90" + "03" + "0a" + "07" + "000000"
                + "7d6efd5b" + "43aebc29" + "15cd5b07"
                + "16cd5b07" + "9181b0af"
                + "00020000" + "5f79017c"), b.array());
        assertEquals(0xafb08191, v.serverNext());
        assertEquals(123456790, v.lastTsVal());
        assertEquals(0x7c01795f, v.serverAck());
        assertEquals(512, v.window());
        assertEquals(0, v.tcpFlagsSeen());
        assertEquals(FLOW.seqOffset(), v.seqOffset());
        assertEquals(FLOW.tsOffset(), v.tsOffset());
        assertEquals(123456789, v.tsFloor());
        assertEquals(EgressFlowValue.FLAG_TIMESTAMPS | EgressFlowValue.FLAG_CONTROL_TO_AGENT, v.flags());
        assertEquals(10, v.serverShift());
        assertEquals(7, v.directorShift());
        assertEquals(FLOW.vipAddress(), v.vipAddress());
        assertEquals(8080, v.vipPort());
    }

    /** The words the program moves: the high half, the low half and the flags byte read apart. */
    @Test
    void stateWordsReadBackAsTheProgramWritesThem() {
        ByteBuffer b = sentinel(EgressFlowValue.LENGTH);
        EgressFlowValue v = new EgressFlowValue().wrap(b).entry(FLOW, false, 0, 0, 0, 0);
        b.order(ByteOrder.LITTLE_ENDIAN).putLong(EgressFlowValue.SENT_OFFSET, 0xfffffffe_80000001L);
        b.putLong(EgressFlowValue.ACKED_OFFSET, 0x80000000_0011ffffL);
        assertEquals(0xfffffffe, v.serverNext());
        assertEquals(0x80000001, v.lastTsVal());
        assertEquals(0x80000000, v.serverAck());
        assertEquals(0xffff, v.window());
        assertEquals(0x11, v.tcpFlagsSeen());
    }

    @Test
    void ingressKeyIsTheInnerClientPacket() {
        ByteBuffer b = sentinel(IngressFlowKey.LENGTH);
        IngressFlowKey key = new IngressFlowKey().wrap(b).flow(FLOW);
        assertArrayEquals(Bytes.fromHex("c612c801" + "c6120201" + "9fb4" + "1f90"), b.array());
        assertEquals("agent_ingress_key[198.18.200.1:40884 -> 198.18.2.1:8080]", key.toString());
    }

    @Test
    void ingressValueCarriesTheTokenAsTheTunnelHeaderDoes() {
        ByteBuffer b = sentinel(IngressFlowValue.LENGTH);
        IngressFlowValue v = new IngressFlowValue().wrap(b).entry(FLOW, 0x0123456789abcdefL);
        assertArrayEquals(Bytes.fromHex("0123456789abcdef" + "c612c802" + "0050" + "01" + "00"
                + "7d6efd5b" + "43aebc29" + "0000000000000000" + "0000000000000000" + "0000000000000000"), b.array());
        assertEquals(0x0123456789abcdefL, v.token());
        assertEquals(FLOW.serverAddress(), v.serverAddress());
        assertEquals(80, v.serverPort());
        assertEquals("agent_ingress_value[server=198.18.200.2:80 flags=0x1 d=1543335549 t=700231235 ack=0 delivered=0"
                + " client_close=0x0 server_close=0x0]", v.toString());
        v.entry(FLOW, 0x0123456789abcdefL, 0x01020304, 0, 0);
        assertEquals(0x01020304, v.clientAck());
        assertEquals(0, v.packetsDelivered());
    }

    /** The close words: the FIN's end in the low half, FIN bit 32, acknowledged bit 33, host order. */
    @Test
    void closeWordsCarryTheFinsTheAgentPassedOn() {
        ByteBuffer b = sentinel(IngressFlowValue.LENGTH);
        IngressFlowValue v = new IngressFlowValue().wrap(b).entry(FLOW, 1, 0, IngressFlowValue.closeWord(true, 0xfffffffe, true),
                IngressFlowValue.closeWord(true, 7, false));
        assertArrayEquals(Bytes.fromHex("feffffff" + "03000000" + "07000000" + "01000000"),
                Arrays.copyOfRange(b.array(), IngressFlowValue.CLIENT_CLOSE_OFFSET, IngressFlowValue.LENGTH));
        assertEquals(0x3_ffff_fffeL, v.clientClose());
        assertEquals(0, IngressFlowValue.closeWord(false, 7, true), "no FIN: nothing, whatever else is given");
        assertTrue(KernelFlowState.fin(v.serverClose()));
        assertFalse(KernelFlowState.finAcked(v.serverClose()));
        assertTrue(KernelFlowState.finAcked(v.clientClose()));
        assertTrue(new EgressFlowValue().wrap(sentinel(EgressFlowValue.LENGTH)).entry(FLOW, true, true, 0, 0, 0, 0).clientFin());
    }

    @Test
    void withoutTimestampsTheFlagsAndOffsetsAreZero() {
        FlowTransform f = FlowTransform.builder().client(1, 1).vip(2, 2).server(3, 3).isns(5, 0).build();
        EgressFlowValue e = new EgressFlowValue().wrap(sentinel(EgressFlowValue.LENGTH)).entry(f, false, 0, 0, 0, 0);
        assertEquals(0, e.flags());
        assertEquals(0, e.tsOffset());
        IngressFlowValue i = new IngressFlowValue().wrap(sentinel(IngressFlowValue.LENGTH)).entry(f, 0);
        assertEquals(0, i.flags());
        assertEquals(0, i.tsOffset());
        assertEquals(5, i.seqOffset());
    }

    @Test
    void configEntry() {
        ByteBuffer b = sentinel(AgentKernelConfig.LENGTH);
        AgentKernelConfig c = new AgentKernelConfig().wrap(b).entry(9000, AgentKernelConfig.EgressMode.TUN_INGRESS, 7);
        assertArrayEquals(Bytes.fromHex("2328" + "01" + "00" + "07000000" + "0000000000000000"), b.array());
        assertEquals("agent_config[port=9000 egress=TUN_INGRESS tun=7]", c.toString());
        c.entry(9000, AgentKernelConfig.EgressMode.FIB, 7, 0x0102030405060708L);
        assertArrayEquals(Bytes.fromHex("2328" + "00" + "00" + "07000000" + "0807060504030201"), b.array());
        assertEquals("agent_config[port=9000 egress=FIB tun=7 hold_until=72623859790382856]", c.toString());
    }

    @Test
    void aBufferTooSmallForTheStructIsRefusedAtWrap() {
        assertEquals("agent_egress_value: buffer of 39 bytes (expected: 40+)",
                assertThrows(IllegalArgumentException.class, () -> new EgressFlowValue().wrap(ByteBuffer.allocate(39))).getMessage());
        assertThrows(IllegalArgumentException.class, () -> new EgressFlowKey().wrap(ByteBuffer.allocate(11)));
        assertThrows(IllegalArgumentException.class, () -> new IngressFlowKey().wrap(ByteBuffer.allocate(11)));
        assertThrows(IllegalArgumentException.class, () -> new IngressFlowValue().wrap(ByteBuffer.allocate(31)));
        assertThrows(IllegalArgumentException.class, () -> new AgentKernelConfig().wrap(ByteBuffer.allocate(15)));
    }
}
