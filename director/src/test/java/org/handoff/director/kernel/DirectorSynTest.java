package org.handoff.director.kernel;

import static org.handoff.director.kernel.DirectorXdpHarness.ETHERNET_HEADER_LENGTH;
import static org.handoff.director.kernel.DirectorXdpHarness.XDP_DROP;
import static org.handoff.director.kernel.DirectorXdpHarness.XDP_TX;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.handoff.bpf.TestRunResult;
import org.handoff.director.tcp.SynCookies;
import org.handoff.director.tcp.TcpFlow;
import org.handoff.director.tcp.TcpSettings;
import org.handoff.host.ProcessRunner;
import org.handoff.protocol.seq.SeqNumber;
import org.handoff.protocol.testing.PacketBuilder;
import org.handoff.protocol.wire.Bytes;
import org.handoff.protocol.wire.TcpOptions;
import org.handoff.protocol.wire.TcpSegment;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * director_xdp's SYN path (director_syn.h) against the Java terminator, with BPF_PROG_TEST_RUN
 * (root, no namespace): the program's SYN-ACK is, byte for byte after the swapped Ethernet
 * addresses, the one {@link TcpTerminator} sends for the same SYN when it answers with a cookie,
 * with the same secret and settings. The program reads its own clock (bpf_ktime_get_ns), which
 * a test cannot set; so each run is bracketed by {@link System#nanoTime()} and the terminator is
 * run at every millisecond in between: one of them must give the program's bytes. That holds
 * only if both read the same clock (CLOCK_MONOTONIC), which the director relies on: its worker
 * stamps captured packets with System.nanoTime() and checks the kernel's cookies against it.
 * The other way, the terminator on the kernel-SYN setting accepts the final ACK of the program's
 * cookie and restores the options the program encoded.
 */
class DirectorSynTest {
    static final int CLIENT = Bytes.parseIpv4("198.18.2.7");
    static final int VIP = Bytes.parseIpv4("198.18.1.1");
    static final int VIP_PORT = 80;
    static final int OTHER_VIP = Bytes.parseIpv4("198.18.1.2");
    static final long CLIENT_MAC = 0x0200c6120207L;
    static final long VIP_MAC = 0x0200c6120101L;
    static final long MILLI = 1_000_000L;
    /** Settings unlike the defaults in every field the SYN-ACK carries: MSS lowered by the tunnel, shift 9, a window below 65,535. */
    static final TcpSettings SETTINGS = new TcpSettings(1416, 9, 60_000, 1000, 100, 1 << 18, 1L << 30,
            Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofMinutes(5), Duration.ofMillis(200), 6,
            Duration.ofSeconds(2));
    /** The same with no half-open room, so the terminator answers every SYN with a cookie. */
    static final TcpSettings COOKIES_ONLY = new TcpSettings(1416, 9, 60_000, 1000, 0, 1 << 18, 1L << 30,
            Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofMinutes(5), Duration.ofMillis(200), 6,
            Duration.ofSeconds(2));

    final long secret0 = new SplittableRandom().nextLong();
    final long secret1 = new SplittableRandom().nextLong();
    DirectorXdpHarness xdp;
    DirectorSynMaps synMaps;

    @BeforeAll
    static void needRoot() {
        assumeTrue(ProcessRunner.isRoot(), "loading BPF programs needs root (CAP_BPF)");
    }

    @BeforeEach
    void load() {
        xdp = DirectorXdpHarness.load();
        synMaps = new DirectorSynMaps(xdp.object.map(DirectorXdp.SYN_CONFIG_MAP), xdp.object.map(DirectorXdp.VIPS_MAP));
        synMaps.enable(SETTINGS, secret0, secret1, new int[] {VIP, VIP}, new int[] {VIP_PORT, 443});
    }

    @AfterEach
    void close() {
        xdp.close();
    }

    TerminatorUnderTest java(TcpSettings settings) {
        return new TerminatorUnderTest(settings, VIP, VIP_PORT, secret0, secret1);
    }

    /** What the program made of a SYN it answered, and when (System.nanoTime() around the run). */
    record Answer(byte[] frame, byte[] ip, long before, long after) {
        int seq() {
            return Bytes.i32(ip, 20 + TcpSegment.SEQ_OFFSET);
        }

        TcpOptions options() {
            TcpSegment tcp = new TcpSegment().wrap(ip, 20, ip.length - 20);
            assertEquals(null, tcp.check());
            TcpOptions o = new TcpOptions();
            tcp.parseOptions(o);
            return o;
        }
    }

    static PacketBuilder syn(int port, int isn) {
        return PacketBuilder.tcp().from(CLIENT, port).to(VIP, VIP_PORT).flags(TcpSegment.SYN).seq(isn).window(64240);
    }

    static byte[] frame(byte[] ip) {
        return PacketBuilder.ethernet(VIP_MAC, CLIENT_MAC, ip);
    }

    Answer answered(byte[] frame) {
        long[] before = xdp.counters();
        long t0 = System.nanoTime();
        TestRunResult r = xdp.run(frame, 0);
        long t1 = System.nanoTime();
        assertEquals(XDP_TX, r.returnValue(), "verdict");
        long[] expected = before.clone();
        expected[DirectorCounter.SYN_ANSWERED.index()]++;
        assertArrayEquals(expected, xdp.counters(), "exactly syn_answered counted");
        byte[] out = r.dataOut();
        assertEquals(Bytes.hex(frame, 0, 6), Bytes.hex(out, 6, 6), "source MAC: the SYN's destination");
        assertEquals(Bytes.hex(frame, 6, 6), Bytes.hex(out, 0, 6), "destination MAC: the SYN's source");
        assertEquals("0800", Bytes.hex(out, 12, 2));
        return new Answer(out, Arrays.copyOfRange(out, ETHERNET_HEADER_LENGTH, out.length), t0, t1);
    }

    /**
     * The program's SYN-ACK must be the terminator's cookie SYN-ACK for the same SYN at one of the
     * milliseconds the run spanned. Returns that time.
     */
    long assertSameAsJava(byte[] synIp, Answer a) {
        TerminatorUnderTest java = java(COOKIES_ONLY);
        byte[] first = null;
        for (long ms = a.before / MILLI; ms <= a.after / MILLI; ms++) {
            byte[] expected = java.answer(synIp, ms * MILLI);
            assertNotNull(expected, "the terminator answers the SYN");
            if (Arrays.equals(expected, a.ip)) {
                return ms * MILLI;
            }
            first = first == null ? expected : first;
        }
        fail("the program's SYN-ACK\n  " + Bytes.hex(a.ip, 0, a.ip.length) + "\nis not the terminator's at any millisecond of "
                + a.before / MILLI + ".." + a.after / MILLI + ", e.g.\n  " + Bytes.hex(first, 0, first.length));
        return 0;
    }

    @Test
    void synAckIsTheTerminatorsCookieSynAckForEveryMssShiftAndSack() {
        int[] msses = {-1, 100, 535, 536, 1299, 1300, 1439, 1440, 1459, 1460, 9000, 65535};
        SynCookies cookies = new SynCookies(secret0, secret1);
        int port = 30000;
        int cases = 0;
        for (int mss : msses) {
            for (int shift = -1; shift <= 15; shift++) {
                for (boolean sack : new boolean[] {false, true}) {
                    port++;
                    int isn = port * 0x9e3779b1;
                    byte[] ip = syn(port, isn).mss(mss).windowShift(shift).sackPermitted(sack).timestamps(port * 7, 0).build();
                    Answer a = answered(frame(ip));
                    long now = assertSameAsJava(ip, a);
                    String what = "mss " + mss + " shift " + shift + " sack " + sack;
                    TcpOptions o = a.options();
                    assertEquals(1416, o.mss, what);
                    assertEquals(shift >= 0 ? 9 : -1, o.hasWindowScale() ? o.windowShift : -1, what);
                    assertEquals(sack, o.hasSackPermitted(), what);
                    assertEquals(port * 7, o.tsEcr, what);
                    assertEquals(Math.min(shift, 14), SynCookies.shiftFromTimestamp(o.tsVal), what);
                    assertEquals(sack, SynCookies.sackFromTimestamp(o.tsVal), what);
                    assertEquals(60_000, Bytes.u16(a.ip, 20 + TcpSegment.WINDOW_OFFSET), what);
                    int minute = (int) (now / 60_000_000_000L);
                    assertEquals(SynCookies.mssIndex(mss < 0 ? 536 : mss),
                            cookies.check(CLIENT, port, VIP, VIP_PORT, isn, a.seq(), minute), what + ": the cookie checks");
                    cases++;
                }
            }
        }
        assertEquals(12 * 17 * 2, cases);
    }

    @Test
    void optionsInAnyOrderWithNopsAndUnknownKindsAreReadAsJavaReadsThem() {
        byte[][] layouts = {
            // timestamps first, then window scale, SACK-permitted, MSS
            Bytes.fromHex("080a0000162e00000000" + "010303" + "06" + "0402" + "020405b4"),
            // an unknown option (kind 30, length 4) between MSS and timestamps, EOL padding
            Bytes.fromHex("020405a0" + "1e040000" + "080a0000162e00000000" + "00" + "00"),
            // two MSS and two window-scale options: the last wins, as in TcpOptions.walk
            Bytes.fromHex("02040218" + "020405b4" + "01030302" + "01030305" + "080a0000162e00000000" + "0000"),
            // a window shift above 14 counts as 14
            Bytes.fromHex("0103031e" + "080a0000162e00000000" + "0000"),
        };
        int port = 41000;
        for (byte[] options : layouts) {
            port++;
            byte[] ip = syn(port, 77).rawOptions(options).build();
            assertSameAsJava(ip, answered(frame(ip)));
        }
    }

    @Test
    void aPaddedFrameGetsAnUnpaddedSynAck() {
        byte[] ip = syn(42000, 5).mss(1460).windowShift(7).sackPermitted(true).timestamps(1, 0).build();
        byte[] padded = Arrays.copyOf(frame(ip), ETHERNET_HEADER_LENGTH + ip.length + 10);
        Answer a = answered(padded);
        assertEquals(ETHERNET_HEADER_LENGTH + 60, a.frame.length);
        assertSameAsJava(ip, a);
    }

    @Test
    void theTerminatorOnTheKernelSettingAcceptsTheProgramsCookieWithTheOptionsItEncoded() {
        int[][] cases = {{1460, 7, 1}, {1300, -1, 0}, {9000, 14, 1}, {536, 0, 0}, {1439, 3, 1}, {-1, 15, 1}};
        int port = 43000;
        for (int[] c : cases) {
            port++;
            int isn = 0xfffffff0 - port;
            byte[] synIp = syn(port, isn).mss(c[0]).windowShift(c[1]).sackPermitted(c[2] == 1).timestamps(1000, 0).build();
            Answer a = answered(frame(synIp));
            byte[] ack = PacketBuilder.tcp().from(CLIENT, port).to(VIP, VIP_PORT).flags(TcpSegment.ACK).window(502)
                    .seq(SeqNumber.add(isn, 1)).ack(SeqNumber.add(a.seq(), 1)).timestamps(1001, a.options().tsVal).build();
            long now = a.after + 3 * MILLI;  // the final ACK an RTT later

            TerminatorUnderTest userSyns = java(SETTINGS);
            assertNull(userSyns.answer(ack, now));
            assertNull(userSyns.terminator.flow(CLIENT, port, 0), "without the setting, no cookie is expected");
            assertEquals(1, userSyns.terminator.counters().unknownFlow);

            TerminatorUnderTest kernelSyns = java(SETTINGS.withKernelAnswersSyns(true));
            kernelSyns.answer(ack, now);
            TcpFlow<Void> flow = kernelSyns.terminator.flow(CLIENT, port, 0);
            String what = Arrays.toString(c);
            assertNotNull(flow, what + ": the cookie ACK made the flow");
            assertTrue(flow.cookie());
            assertEquals(TcpFlow.State.RECEIVING, flow.state());
            assertEquals(1, kernelSyns.terminator.counters().cookiesValid);
            int clientMss = SynCookies.mssOf(SynCookies.mssIndex(c[0] < 0 ? 536 : c[0]));
            assertEquals(clientMss, flow.clientMss(), what);
            assertEquals(Math.min(clientMss, 1416), flow.mss(), what);
            assertEquals(c[1] < 0 ? -1 : Math.min(c[1], 14), flow.clientShift(), what);
            assertEquals(c[1] < 0 ? -1 : 9, flow.directorShift(), what);
            assertEquals(c[2] == 1, flow.sackPermitted(), what);
            assertTrue(flow.timestamps());
            assertEquals(1001, flow.tsRecent());
            assertEquals(SeqNumber.add(a.seq(), 1), flow.sendNext());
            assertEquals(SeqNumber.add(isn, 1), flow.receiveNext());
            // the flow's timestamps go on from the SYN-ACK's clock: TcpTerminator.tsClock, as the program has it
            int tsNow = flow.tsVal(now);
            assertTrue(SeqNumber.le(a.options().tsVal, tsNow) && SeqNumber.diff(tsNow, a.options().tsVal) < 64 + 10,
                    what + ": TSval " + Integer.toUnsignedString(a.options().tsVal) + " then " + Integer.toUnsignedString(tsNow));
        }
    }

    @Test
    void aCookieTheTerminatorMadeIsAcceptedOnTheKernelSetting() {
        int port = 44000;
        int isn = 12345;
        byte[] synIp = syn(port, isn).mss(1440).windowShift(10).sackPermitted(true).timestamps(500, 0).build();
        long now = System.nanoTime();
        TerminatorUnderTest flooded = java(COOKIES_ONLY);
        byte[] synAck = flooded.answer(synIp, now);
        assertEquals(1, flooded.terminator.counters().cookiesSent);
        TcpSegment s = new TcpSegment().wrap(synAck, 20, synAck.length - 20);
        TcpOptions o = new TcpOptions();
        s.parseOptions(o);
        assertEquals(1416, o.mss, "the director's MSS, not the client's: the cookie carries that");
        byte[] ack = PacketBuilder.tcp().from(CLIENT, port).to(VIP, VIP_PORT).flags(TcpSegment.ACK).window(502)
                .seq(isn + 1).ack(SeqNumber.add(s.seq(), 1)).timestamps(501, o.tsVal).build();

        TerminatorUnderTest other = java(SETTINGS.withKernelAnswersSyns(true));  // a worker that never sent a cookie
        other.answer(ack, now + 30_000_000_000L);  // half a minute later: the same minute or the next, valid
        TcpFlow<Void> flow = other.terminator.flow(CLIENT, port, 0);
        assertNotNull(flow);
        assertEquals(1440, flow.clientMss());
        assertEquals(10, flow.clientShift());
        assertTrue(flow.sackPermitted());
        TerminatorUnderTest late = java(SETTINGS.withKernelAnswersSyns(true));
        late.answer(ack, now + 121_000_000_000L);  // two minutes or more by the minute counter
        assertNull(late.terminator.flow(CLIENT, port, 0), "two minutes on, the cookie has expired");
        assertEquals(1, late.terminator.counters().cookiesInvalid);
    }

    @Test
    void synsTheProgramLeavesToJavaPassUnchangedAndCounted() {
        byte[] good = syn(45000, 1).mss(1460).windowShift(7).sackPermitted(true).timestamps(1, 0).build();
        TerminatorUnderTest java = java(SETTINGS);

        byte[] noTimestamps = syn(45001, 1).mss(1460).windowShift(7).sackPermitted(true).build();
        assertPassed(frame(noTimestamps), DirectorCounter.SYN_PASSED_NO_TIMESTAMPS);
        assertNotNull(java.answer(noTimestamps, System.nanoTime()), "Java answers it, keeping state");
        assertEquals(1, java.terminator.halfOpenCount());

        byte[] payload = syn(45002, 1).mss(1460).timestamps(1, 0).payload(new byte[] {1, 2, 3}).build();
        assertPassed(frame(payload), DirectorCounter.SYN_PASSED_PAYLOAD);

        byte[] otherPort = PacketBuilder.tcp().from(CLIENT, 45003).to(VIP, 8080).flags(TcpSegment.SYN).seq(1)
                .mss(1460).timestamps(1, 0).build();
        assertPassed(frame(otherPort), DirectorCounter.SYN_PASSED_NOT_SERVED);
        byte[] otherAddress = PacketBuilder.tcp().from(CLIENT, 45004).to(OTHER_VIP, VIP_PORT).flags(TcpSegment.SYN).seq(1)
                .mss(1460).timestamps(1, 0).build();
        assertPassed(frame(otherAddress), DirectorCounter.SYN_PASSED_NOT_SERVED);
        byte[] secondVip = PacketBuilder.tcp().from(CLIENT, 45005).to(VIP, 443).flags(TcpSegment.SYN).seq(1)
                .mss(1460).timestamps(1, 0).build();
        answered(frame(secondVip));

        String[] malformed = {
            "0203" + "05b4" + "080a0000000100000000" + "0000",  // MSS of length 3
            "080b0000000100000000" + "0000",                    // timestamps of length 11
            "0201" + "080a0000000100000000",                    // a length below 2
            "0101010101010101010101" + "08",                   // a kind without its length byte
            "080a00000001000000000e05",                        // a length past the options' end
            "0103040000" + "080a000000010000000000",           // window scale of length 4
            "04030000" + "080a0000000100000000" + "0000",      // SACK-permitted of length 3
            "050a0000000000000000" + "080a0000000100000000",   // a SACK block on a SYN is fine, of length 10 ...
        };
        for (int i = 0; i < malformed.length; i++) {
            byte[] ip = syn(45100 + i, 1).rawOptions(Bytes.fromHex(malformed[i])).build();
            if (i == malformed.length - 1) {
                answered(frame(ip));  // ... so this one is answered, as Java would
                assertNotNull(java.answer(ip, System.nanoTime()));
                continue;
            }
            assertPassed(frame(ip), DirectorCounter.SYN_PASSED_MALFORMED);
            long before = java.terminator.counters().malformed;
            assertNull(java.answer(ip, System.nanoTime()), "Java drops it too: " + malformed[i]);
            assertEquals(before + 1, java.terminator.counters().malformed);
        }

        byte[] synAck = syn(45200, 1).flags(TcpSegment.SYN | TcpSegment.ACK).mss(1460).timestamps(1, 0).build();
        assertPassed(frame(synAck), DirectorCounter.PASSED_NO_FLOW);
        byte[] synRst = syn(45201, 1).flags(TcpSegment.SYN | TcpSegment.RST).mss(1460).timestamps(1, 0).build();
        assertPassed(frame(synRst), DirectorCounter.PASSED_NO_FLOW);
        byte[] fragment = good.clone();
        Bytes.putU16(fragment, 6, 0x2000);
        assertPassed(frame(fragment), DirectorCounter.PASSED_FRAGMENT);

        synMaps.disable();
        assertPassed(frame(good), DirectorCounter.PASSED_NO_FLOW);
        synMaps.enable(SETTINGS, secret0, secret1, new int[] {VIP}, new int[] {VIP_PORT});
        answered(frame(good));
        assertPassed(frame(secondVip), DirectorCounter.SYN_PASSED_NOT_SERVED);  // removed by the new VIP list
    }

    /**
     * The handshake's pure ACK of the program's cookie is dropped; the request after it, with the
     * same sequence number, acknowledgment and echo, passes and makes the flow in Java with the
     * options the cookie encoded and the request's bytes.
     */
    @Test
    void theHandshakesPureAckIsDroppedAndTheRequestMakesTheFlow() {
        int port = 47000;
        int isn = 0x7ffffff0;
        byte[] synIp = syn(port, isn).mss(1460).windowShift(7).sackPermitted(true).timestamps(2000, 0).build();
        Answer a = answered(frame(synIp));
        int cookieAck = SeqNumber.add(a.seq(), 1);
        PacketBuilder fromClient = PacketBuilder.tcp().from(CLIENT, port).to(VIP, VIP_PORT).window(502)
                .seq(SeqNumber.add(isn, 1)).ack(cookieAck).timestamps(2001, a.options().tsVal);

        long[] before = xdp.counters();
        TestRunResult r = xdp.run(frame(fromClient.flags(TcpSegment.ACK).build()), 0);
        assertEquals(XDP_DROP, r.returnValue(), "the handshake's pure ACK: dropped");
        long[] expected = before.clone();
        expected[DirectorCounter.HANDSHAKE_ACK_DROPPED.index()]++;
        assertArrayEquals(expected, xdp.counters(), "exactly handshake_ack_dropped counted");

        byte[] request = "GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        byte[] requestIp = fromClient.flags(TcpSegment.ACK | TcpSegment.PSH).timestamps(2002, a.options().tsVal)
                .payload(request).build();
        assertPassed(frame(requestIp), DirectorCounter.PASSED_NO_FLOW);
        TerminatorUnderTest java = java(SETTINGS.withKernelAnswersSyns(true));
        java.answer(requestIp, a.after + 3 * MILLI);
        TcpFlow<Void> flow = java.terminator.flow(CLIENT, port, 0);
        assertNotNull(flow, "the request made the flow");
        assertTrue(flow.cookie());
        assertEquals(1, java.terminator.counters().cookiesValid);
        assertEquals(1460, flow.clientMss(), "the MSS the cookie carried");
        assertEquals(7, flow.clientShift());
        assertTrue(flow.sackPermitted());
        assertEquals(SeqNumber.add(isn, 1 + request.length), flow.receiveNext(), "the request's bytes received");
        assertEquals(List.of("data " + request.length), java.events);
    }

    /** Pure ACKs that do not end a cookie handshake pass to Java, as do ACKs while the path is off. */
    @Test
    void otherPureAcksOfNoFlowPassToJava() {
        int port = 47100;
        int isn = 99;
        byte[] synIp = syn(port, isn).mss(1460).timestamps(3000, 0).build();
        Answer a = answered(frame(synIp));
        int cookieAck = SeqNumber.add(a.seq(), 1);
        PacketBuilder ack = PacketBuilder.tcp().from(CLIENT, port).to(VIP, VIP_PORT).flags(TcpSegment.ACK).window(502)
                .timestamps(3001, a.options().tsVal);

        assertPassed(frame(ack.seq(SeqNumber.add(isn, 1)).ack(cookieAck + 1).build()), DirectorCounter.PASSED_NO_FLOW);
        assertPassed(frame(ack.seq(SeqNumber.add(isn, 101)).ack(cookieAck).build()), DirectorCounter.PASSED_NO_FLOW);
        // A flow Java answered with state: its ISN is no cookie.
        TerminatorUnderTest java = java(SETTINGS);
        byte[] statefulSynAck = java.answer(syn(port + 1, isn).mss(1460).build(), System.nanoTime());
        int statefulIsn = new TcpSegment().wrap(statefulSynAck, 20, statefulSynAck.length - 20).seq();
        assertPassed(frame(PacketBuilder.tcp().from(CLIENT, port + 1).to(VIP, VIP_PORT).flags(TcpSegment.ACK).window(502)
                .seq(SeqNumber.add(isn, 1)).ack(SeqNumber.add(statefulIsn, 1)).build()), DirectorCounter.PASSED_NO_FLOW);
        // Not to a served port; FIN or RST with it; the path off.
        byte[] good = ack.seq(SeqNumber.add(isn, 1)).ack(cookieAck).build();
        assertPassed(frame(PacketBuilder.tcp().from(CLIENT, port).to(VIP, 8080).flags(TcpSegment.ACK).window(502)
                .seq(SeqNumber.add(isn, 1)).ack(cookieAck).timestamps(3001, a.options().tsVal).build()), DirectorCounter.PASSED_NO_FLOW);
        assertPassed(frame(ack.flags(TcpSegment.ACK | TcpSegment.FIN).build()), DirectorCounter.PASSED_NO_FLOW);
        assertPassed(frame(ack.flags(TcpSegment.ACK | TcpSegment.RST).build()), DirectorCounter.PASSED_NO_FLOW);
        synMaps.disable();
        assertPassed(frame(good), DirectorCounter.PASSED_NO_FLOW);
        synMaps.enable(SETTINGS, secret0, secret1, new int[] {VIP}, new int[] {VIP_PORT});
        assertEquals(XDP_DROP, xdp.run(frame(good), 0).returnValue(), "the same ACK, the path on again: dropped");
    }

    @Test
    void aSynOfAHandedOffFlowIsNotAnsweredHere() {
        byte[] ip = syn(46000, 1).mss(1460).timestamps(1, 0).build();
        xdp.put(frame(ip), Bytes.parseIpv4("198.18.3.2"), 9000, Bytes.parseIpv4("198.18.3.1"), 1, 0);
        assertPassed(frame(ip), DirectorCounter.PASSED_CONTROL);
    }

    @Test
    void theConfigEntryHoldsTheTerminatorsValues() {
        DirectorSynConfig read = DirectorSynConfig.allocate();
        java.nio.ByteBuffer key = java.nio.ByteBuffer.allocateDirect(4).order(java.nio.ByteOrder.nativeOrder());
        assertTrue(xdp.object.map(DirectorXdp.SYN_CONFIG_MAP).lookup(key, read.buffer()));
        assertTrue(read.enabled());
        assertEquals(secret0, read.secret0());
        assertEquals(secret1, read.secret1());
        assertEquals(1416, read.mss());
        assertEquals(60_000, read.window());
        assertEquals(9, read.windowShift());
        assertEquals(2, xdp.object.map(DirectorXdp.VIPS_MAP).keys().size());
        assertFalse(read.toString().contains(Long.toString(secret0)), "the secret stays out of logs");
        synMaps.disable();
        assertTrue(xdp.object.map(DirectorXdp.SYN_CONFIG_MAP).lookup(key, read.buffer()));
        assertFalse(read.enabled());
        assertEquals(0, read.secret0());
    }

    /** A restarted director finds the secret its predecessor left in the (pinned) map, and only while the path is on. */
    @Test
    void theSecretInTheMapIsWhatARestartedDirectorKeeps() {
        assertArrayEquals(new long[] {secret0, secret1}, synMaps.pinnedSecret());
        DirectorSynMaps restarted = new DirectorSynMaps(xdp.object.map(DirectorXdp.SYN_CONFIG_MAP),
                xdp.object.map(DirectorXdp.VIPS_MAP));
        assertArrayEquals(new long[] {secret0, secret1}, restarted.pinnedSecret());
        synMaps.disable();
        assertNull(restarted.pinnedSecret(), "no secret from a path that was turned off");
    }

    void assertPassed(byte[] frame, DirectorCounter counter) {
        xdp.assertPassed(frame, counter);
    }
}
