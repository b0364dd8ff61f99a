package org.handoff.director.kernel;

import static org.handoff.director.kernel.DirectorXdpHarness.ETHERNET_HEADER_LENGTH;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Arrays;
import org.handoff.host.ProcessRunner;
import org.handoff.protocol.testing.GoldenVectors;
import org.handoff.protocol.wire.Bytes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Everything director_xdp must leave to the capture, run through the loaded program with
 * BPF_PROG_TEST_RUN: XDP_PASS, the frame exactly as it came, and exactly one counter up by one,
 * the one that names why. None of these frames reaches the next-hop lookup, so the test needs
 * root (CAP_BPF) but no namespace; the tunnelled cases and the lookup's failures are in
 * {@link DirectorXdpNetnsTest}.
 */
class DirectorXdpPassTest {
    static final int AGENT = Bytes.parseIpv4("198.18.3.2");
    static final int SOURCE = Bytes.parseIpv4("198.18.3.1");
    static final int AGENT_PORT = 9000;
    static final long TOKEN = 0x8877665544332211L;

    /** Golden capture frames: client SYN, pure ACK, request, FIN (ipv4-http-all-options.pcap 0, 6, 3, 7). */
    static final byte[] SYN = frame(GoldenVectors.IPV4_HTTP_ALL_OPTIONS, 0);
    static final byte[] PURE_ACK = frame(GoldenVectors.IPV4_HTTP_ALL_OPTIONS, 6);
    static final byte[] REQUEST = frame(GoldenVectors.IPV4_HTTP_ALL_OPTIONS, 3);
    static final byte[] FIN = frame(GoldenVectors.IPV4_HTTP_ALL_OPTIONS, 7);
    static final int IP = ETHERNET_HEADER_LENGTH;
    static final int TCP = IP + 20;
    static final int TCP_FLAGS = TCP + 13;

    DirectorXdpHarness xdp;

    @BeforeAll
    static void needRoot() {
        assumeTrue(ProcessRunner.isRoot(), "loading BPF programs needs root (CAP_BPF)");
    }

    @BeforeEach
    void load() {
        xdp = DirectorXdpHarness.load();
    }

    @AfterEach
    void close() {
        xdp.close();
    }

    @Test
    void aPureAckOfNoKnownFlowIsPassed() {
        assertPassed(PURE_ACK, DirectorCounter.PASSED_NO_FLOW);
        assertFalse(xdp.lookup(PURE_ACK));
    }

    @Test
    void aSegmentWithPayloadIsPassedSoJavaSeesTheRequest() {
        handOff(REQUEST, 0);
        assertPassed(REQUEST, DirectorCounter.PASSED_PAYLOAD);
        assertEquals(0, lookedUp(REQUEST).packets(), "nothing tunnelled");
    }

    @Test
    void synFinRstAndSegmentsWithoutAckArePassed() {
        handOff(PURE_ACK, 0);
        assertPassed(SYN, DirectorCounter.PASSED_CONTROL);
        assertPassed(FIN, DirectorCounter.PASSED_CONTROL);
        assertPassed(withTcpFlags(PURE_ACK, 0x14), DirectorCounter.PASSED_CONTROL);  // RST + ACK
        assertPassed(withTcpFlags(PURE_ACK, 0x04), DirectorCounter.PASSED_CONTROL);  // RST
        assertPassed(withTcpFlags(PURE_ACK, 0x00), DirectorCounter.PASSED_CONTROL);  // no flag at all
        assertPassed(withTcpFlags(PURE_ACK, 0x08), DirectorCounter.PASSED_CONTROL);  // PSH without ACK
        assertEquals(0, lookedUp(PURE_ACK).packets());
    }

    /**
     * A SYN on the endpoints of a flow that tunnels everything is a new connection from a reused
     * client port (wrk and curl with tcp_tw_reuse do it within seconds): Java answers it, so it is
     * never sent to the old flow's agent.
     */
    @Test
    void aSynIsPassedEvenForAFlowThatTunnelsEverything() {
        handOff(PURE_ACK, DirectorFlowEntry.FLAG_TUNNEL_ALL);
        assertPassed(SYN, DirectorCounter.PASSED_CONTROL);
        assertPassed(withTcpFlags(SYN, 0x12), DirectorCounter.PASSED_CONTROL);  // SYN + ACK
        assertEquals(0, lookedUp(PURE_ACK).packets(), "nothing tunnelled");
    }

    @Test
    void whatIsNotIpv4TcpIsPassed() {
        byte[] udp = frame(GoldenVectors.IPV4_UDP, 0);
        byte[] ipv6 = frame(GoldenVectors.IPV6_HTTP_ALL_OPTIONS, 6);
        byte[] arp = Bytes.fromHex("ffffffffffff" + "0200c612c801" + "0806" + "0001080006040001" + "0200c612c801" + "c612c801"
                + "000000000000" + "c612c802");
        byte[] vlan = new byte[PURE_ACK.length + 4];
        System.arraycopy(PURE_ACK, 0, vlan, 0, 12);
        System.arraycopy(Bytes.fromHex("8100000a"), 0, vlan, 12, 4);
        System.arraycopy(PURE_ACK, 12, vlan, 16, PURE_ACK.length - 12);
        byte[] notVersion4 = PURE_ACK.clone();
        notVersion4[IP] = 0x65;
        handOff(PURE_ACK, 0);
        assertPassed(udp, DirectorCounter.PASSED_NOT_IPV4_TCP);
        assertPassed(ipv6, DirectorCounter.PASSED_NOT_IPV4_TCP);
        assertPassed(arp, DirectorCounter.PASSED_NOT_IPV4_TCP);
        assertPassed(vlan, DirectorCounter.PASSED_NOT_IPV4_TCP);
        assertPassed(notVersion4, DirectorCounter.PASSED_NOT_IPV4_TCP);
    }

    @Test
    void ipv4OptionsAreLeftToJava() {
        // the pure ACK with a 4-byte option block (NOP NOP NOP EOL): IHL 6, total length + 4
        byte[] options = new byte[PURE_ACK.length + 4];
        System.arraycopy(PURE_ACK, 0, options, 0, TCP);
        System.arraycopy(Bytes.fromHex("01010100"), 0, options, TCP, 4);
        System.arraycopy(PURE_ACK, TCP, options, TCP + 4, PURE_ACK.length - TCP);
        options[IP] = 0x46;
        Bytes.putU16(options, IP + 2, Bytes.u16(PURE_ACK, IP + 2) + 4);
        handOff(PURE_ACK, DirectorFlowEntry.FLAG_TUNNEL_ALL);
        assertPassed(options, DirectorCounter.PASSED_IP_OPTIONS);
    }

    @Test
    void fragmentsArePassed() {
        handOff(PURE_ACK, DirectorFlowEntry.FLAG_TUNNEL_ALL);
        byte[] moreFragments = PURE_ACK.clone();
        Bytes.putU16(moreFragments, IP + 6, 0x2000);
        byte[] laterFragment = PURE_ACK.clone();
        Bytes.putU16(laterFragment, IP + 6, 0x0010);
        assertPassed(moreFragments, DirectorCounter.PASSED_FRAGMENT);
        assertPassed(laterFragment, DirectorCounter.PASSED_FRAGMENT);
    }

    @Test
    void truncatedFramesAndContradictoryLengthsArePassed() {
        handOff(PURE_ACK, DirectorFlowEntry.FLAG_TUNNEL_ALL);
        // (BPF_PROG_TEST_RUN refuses frames shorter than an Ethernet header)
        assertPassed(Arrays.copyOf(PURE_ACK, IP), DirectorCounter.PASSED_MALFORMED);  // IPv4 by its type, nothing after
        assertPassed(Arrays.copyOf(PURE_ACK, IP + 19), DirectorCounter.PASSED_MALFORMED);  // IPv4 header cut
        assertPassed(Arrays.copyOf(PURE_ACK, TCP + 19), DirectorCounter.PASSED_MALFORMED);  // TCP header cut
        assertPassed(Arrays.copyOf(PURE_ACK, PURE_ACK.length - 1), DirectorCounter.PASSED_MALFORMED);  // shorter than its IP length
        byte[] ihlTooSmall = PURE_ACK.clone();
        ihlTooSmall[IP] = 0x44;
        assertPassed(ihlTooSmall, DirectorCounter.PASSED_MALFORMED);
        byte[] offsetTooSmall = PURE_ACK.clone();
        offsetTooSmall[TCP + 12] = 0x40;  // data offset 4 words
        assertPassed(offsetTooSmall, DirectorCounter.PASSED_MALFORMED);
        byte[] offsetPastTheEnd = PURE_ACK.clone();
        offsetPastTheEnd[TCP + 12] = (byte) 0xf0;  // 60-byte TCP header in a 52-byte IPv4 packet
        assertPassed(offsetPastTheEnd, DirectorCounter.PASSED_MALFORMED);
        byte[] totalLengthTooSmall = PURE_ACK.clone();
        Bytes.putU16(totalLengthTooSmall, IP + 2, 39);
        assertPassed(totalLengthTooSmall, DirectorCounter.PASSED_MALFORMED);
        assertEquals(0, lookedUp(PURE_ACK).packets());
    }

    void assertPassed(byte[] frame, DirectorCounter counter) {
        xdp.assertPassed(frame, counter);
    }

    void handOff(byte[] frame, int flags) {
        xdp.put(frame, AGENT, AGENT_PORT, SOURCE, TOKEN, flags);
    }

    DirectorFlowEntry lookedUp(byte[] frame) {
        assertEquals(true, xdp.lookup(frame), "the flow's entry");
        return xdp.entry;
    }

    static byte[] withTcpFlags(byte[] frame, int flags) {
        byte[] copy = frame.clone();
        copy[TCP_FLAGS] = (byte) flags;
        return copy;
    }

    static byte[] frame(String capture, int index) {
        return GoldenVectors.records(capture).get(index).copyOfData();
    }
}
