package org.handoff.protocol.transform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.handoff.protocol.seq.SeqNumber;
import org.handoff.protocol.testing.RewriterFixtures;
import org.handoff.protocol.testing.RewriterFixtures.Case;
import org.handoff.protocol.testing.RewriterFixtures.Direction;
import org.handoff.protocol.testing.RewriterFixtures.LossyField;
import org.handoff.protocol.wire.Bytes;
import org.handoff.protocol.wire.Ipv4Packet;
import org.handoff.protocol.wire.TcpOptions;
import org.handoff.protocol.wire.TcpSegment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;
import org.opentest4j.AssertionFailedError;

/**
 * The fixture table {@code vectors/rewriter/fixtures.txt} both ways, as Katran's
 * {@code lib/testing} runs its fixtures: every case's input rewritten in place and inside a
 * buffer pre-filled with a sentinel byte gives exactly the expected output, and the inverse
 * transform (same direction, VIP and server swapped, {@code -d}, {@code -t}, shifts swapped)
 * gives the input back. Where a case cannot round-trip its fixture says which field is lost
 * (a window rounded up or clamped, a TSval lifted to the floor, an invalid checksum recomputed);
 * the test checks that exactly that field, and the TCP checksum with it, differs.
 */
class RewriterFixturesTest {
    private static final byte SENTINEL = 0x5a;
    /** Odd, so a rewrite that ignores its offset or assumes alignment shows. */
    private static final int OFFSET = 13;
    private static final int TAIL = 32;

    static final List<Case> CASES = RewriterFixtures.load();

    private final PacketRewriter rewriter = new PacketRewriter();

    @ParameterizedTest
    @FieldSource("CASES")
    void inPlace(Case c) {
        byte[] packet = c.input().clone();
        assertEquals(c.result(), c.apply(rewriter, c.transform(), packet, 0, packet.length), c.name());
        assertBytes(c.output(), packet, 0, c.name());
    }

    @ParameterizedTest
    @FieldSource("CASES")
    void intoASentinelFilledBuffer(Case c) {
        byte[] buffer = sentinelBuffer(c.input());
        assertEquals(c.result(), c.apply(rewriter, c.transform(), buffer, OFFSET, c.input().length), c.name());
        assertBytes(c.output(), buffer, OFFSET, c.name());
        assertSentinel(buffer, c.input().length, c.name());
    }

    @ParameterizedTest
    @FieldSource("CASES")
    void backThroughTheInverseTransform(Case c) {
        byte[] buffer = sentinelBuffer(c.output());
        assertEquals(c.result(), c.apply(rewriter, c.inverseTransform(), buffer, OFFSET, c.output().length), c.name());
        assertSentinel(buffer, c.output().length, c.name());
        byte[] back = Arrays.copyOfRange(buffer, OFFSET, OFFSET + c.output().length);
        if (c.reverse().exact()) {
            assertBytes(c.input(), back, 0, c.name() + " round trip");
            return;
        }
        // Lossy: the round trip differs from the input in the named field and the TCP checksum only.
        Set<Integer> allowed = lossyBytes(c.input(), c.reverse().lossy());
        Set<Integer> differ = new TreeSet<>();
        for (int i = 0; i < back.length; i++) {
            if (back[i] != c.input()[i]) {
                differ.add(i);
            }
        }
        assertFalse(differ.isEmpty(), c.name() + ": declared lossy (" + c.reverse() + ") but the round trip gives the input back");
        assertTrue(allowed.containsAll(differ), c.name() + ": round trip differs at " + differ + ", outside "
                + c.reverse().lossy().text() + " and the TCP checksum " + allowed);
        assertTrue(differ.stream().anyMatch(i -> !checksumBytes(c.input()).contains(i))
                        || c.reverse().lossy() == LossyField.TCP_CHECKSUM,
                c.name() + ": only the checksum differs, not the named field " + c.reverse().lossy().text());
    }

    @ParameterizedTest
    @FieldSource("CASES")
    void theTransformHasTheTableOffsets(Case c) {
        FlowTransform f = c.transform();
        assertEquals(c.seqOffset(), f.seqOffset(), c.name());
        assertEquals(c.timestamps() ? c.tsOffset() : 0, f.tsOffset(), c.name());
        FlowTransform inverse = c.inverseTransform();
        assertEquals(-c.seqOffset(), inverse.seqOffset(), c.name());
        assertEquals(c.timestamps() ? -c.tsOffset() : 0, inverse.tsOffset(), c.name());
    }

    /** The table holds what issue 11 asks of it; a regenerated table that drops a kind fails here. */
    @Test
    void theTableCoversEveryKindOfCase() {
        assertEquals(EnumSet.allOf(Direction.class), CASES.stream().map(Case::direction).collect(Collectors.toSet()));
        assertEquals(EnumSet.allOf(ChecksumState.class), CASES.stream().map(Case::checksum).collect(Collectors.toSet()));
        assertEquals(EnumSet.allOf(LossyField.class), CASES.stream().filter(c -> !c.reverse().exact())
                .map(c -> c.reverse().lossy()).collect(Collectors.toSet()));
        List<Case> ok = CASES.stream().filter(c -> c.result() == RewriteResult.OK).toList();
        for (Direction d : Direction.values()) {
            assertTrue(ok.stream().anyMatch(c -> c.direction() == d && tcp(c.input()).syn() && allFourSynOptions(c.input())),
                    d + ": a SYN or SYN-ACK with MSS, SACK-permitted, timestamps and window scale");
            assertTrue(ok.stream().anyMatch(c -> c.direction() == d && !options(c.input()).hasTimestamps() && !c.timestamps()),
                    d + ": a flow without timestamps");
        }
        Set<Integer> sackBlocks = ok.stream().map(c -> options(c.input()).sackBlockCount).collect(Collectors.toSet());
        assertTrue(sackBlocks.containsAll(Set.of(1, 2, 3, 4)), "SACK blocks 1..4: " + sackBlocks);
        assertTrue(ok.stream().anyMatch(c -> c.direction() == Direction.CLIENT_TO_SERVER && oddSackEdges(c.input())),
                "SACK edges at odd offsets");
        assertTrue(ok.stream().anyMatch(c -> c.checksum() == ChecksumState.PARTIAL && c.input().length > 1500),
                "a TSO super-segment with a partial checksum");
        assertTrue(ok.stream().anyMatch(c -> c.direction() == Direction.SERVER_TO_CLIENT && crosses(tcp(c.output()).seq(),
                tcp(c.output()).sequenceLength())), "rewritten server data crossing 2^32");
        assertTrue(ok.stream().anyMatch(c -> c.direction() == Direction.CLIENT_TO_SERVER && sackCrosses(c.output())),
                "a rewritten SACK block crossing 2^32");
        int[] windows = {0, 0, 0};
        for (Case c : ok) {
            if (c.direction() == Direction.SERVER_TO_CLIENT && !tcp(c.input()).syn()) {
                int in = tcp(c.input()).window();
                int out = tcp(c.output()).window();
                long bytes = (long) in << c.serverShift();
                if (out == 0xffff && bytes > 0xffffL << c.directorShift()) {
                    windows[2]++;
                } else if (c.directorShift() != c.serverShift()) {
                    windows[c.directorShift() > c.serverShift() ? 1 : 0]++;
                }
            }
        }
        assertTrue(windows[0] > 0 && windows[1] > 0 && windows[2] > 0, "window rescaled up, down and clamped: " + Arrays.toString(windows));
        assertTrue(CASES.stream().anyMatch(c -> c.result() == RewriteResult.NOT_IPV4), "an IPv6 packet refused");
        assertTrue(CASES.stream().anyMatch(c -> c.result() == RewriteResult.NOT_TCP), "a UDP packet refused");
    }

    @Test
    void theCommittedTableIsWhatTheGeneratorWrites() throws IOException {
        String[] committed = committedTable().split("\n", -1);
        String[] generated = RewriterFixtureGenerator.generate().split("\n", -1);
        for (int i = 0; i < Math.min(committed.length, generated.length); i++) {
            assertEquals(generated[i], committed[i], "fixtures.txt line " + (i + 1)
                    + " differs from RewriterFixtureGenerator's output: regenerate (README) and re-run the checker");
        }
        assertEquals(generated.length, committed.length, "fixtures.txt lines");
    }

    /** The comparison is not vacuous: one expected byte changed, anywhere, fails it. */
    @Test
    void aWrongExpectedByteFails() {
        for (Case c : CASES) {
            byte[] wrong = c.output().clone();
            int at = (wrong.length - 1) * 5 / 7;
            wrong[at] ^= 0x01;
            byte[] packet = c.input().clone();
            c.apply(rewriter, c.transform(), packet, 0, packet.length);
            assertThrows(AssertionFailedError.class, () -> assertBytes(wrong, packet, 0, c.name()), c.name() + " byte " + at);
        }
    }

    @Test
    void theReaderRefusesWhatACReaderWouldMisread() throws IOException {
        String one = committedTable().split("\ncase ")[1];
        String table = "case " + one;
        assertEquals(1, RewriterFixtures.parse(table).size());
        assertEquals("line 1: 'case Bad_Name' (expected: case NAME, NAME of [a-z0-9-])",
                assertThrows(IllegalArgumentException.class, () -> RewriterFixtures.parse(table.replaceFirst("case \\S+", "case Bad_Name")))
                        .getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> RewriterFixtures.parse(table.replace("\nend\n", "\n")))
                .getMessage().endsWith("no 'end' line"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> RewriterFixtures.parse(table.replaceFirst("\nabout ", "\nabout2 ")))
                .getMessage().contains("key 'about2'"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> RewriterFixtures.parse(table.replaceFirst("\nvip [^\n]*", "")))
                .getMessage().endsWith("no 'vip' line"));
        String negative = table.replaceFirst("\nseq-offset \\d+", "\nseq-offset -1");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> RewriterFixtures.parse(negative))
                .getMessage().endsWith("seq-offset '-1' (expected: unsigned decimal, 0..4294967295)"));
        String maybe = table.replaceFirst("\nreverse [^\n]*", "\nreverse maybe");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> RewriterFixtures.parse(maybe)).getMessage().contains("reverse 'maybe'"));
    }

    // ---- helpers

    /** The committed {@code fixtures.txt}, as text. */
    private static String committedTable() throws IOException {
        try (InputStream in = RewriterFixturesTest.class.getResourceAsStream(RewriterFixtures.RESOURCE)) {
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        }
    }

    private static byte[] sentinelBuffer(byte[] packet) {
        byte[] buffer = new byte[OFFSET + packet.length + TAIL];
        Arrays.fill(buffer, SENTINEL);
        System.arraycopy(packet, 0, buffer, OFFSET, packet.length);
        return buffer;
    }

    /** Hex, so a failure shows the whole packet and where it differs. */
    private static void assertBytes(byte[] expected, byte[] buffer, int offset, String what) {
        assertEquals(Bytes.hex(expected, 0, expected.length), Bytes.hex(buffer, offset, expected.length), what);
    }

    private static void assertSentinel(byte[] buffer, int length, String what) {
        for (int i = 0; i < buffer.length; i++) {
            if (i < OFFSET || i >= OFFSET + length) {
                assertEquals(SENTINEL, buffer[i], what + ": sentinel overwritten at " + i);
            }
        }
    }

    private static TcpSegment tcp(byte[] ipv4) {
        Ipv4Packet ip = new Ipv4Packet().wrap(ipv4, 0, ipv4.length);
        return new TcpSegment().wrap(ipv4, ip.payloadOffset(), ip.payloadLength());
    }

    private static TcpOptions options(byte[] ipv4) {
        TcpOptions o = new TcpOptions();
        if ((ipv4[0] >> 4 & 0xf) == 4 && ipv4[Ipv4Packet.PROTOCOL_OFFSET] == 6) {
            tcp(ipv4).parseOptions(o);
        }
        return o;
    }

    private static Set<Integer> checksumBytes(byte[] ipv4) {
        int at = tcp(ipv4).offset() + TcpSegment.CHECKSUM_OFFSET;
        return Set.of(at, at + 1);
    }

    /** Byte indexes a lossy round trip may change: the named field's and the TCP checksum's. */
    private static Set<Integer> lossyBytes(byte[] ipv4, LossyField field) {
        Set<Integer> bytes = new TreeSet<>(checksumBytes(ipv4));
        int at = switch (field) {
            case WINDOW -> tcp(ipv4).offset() + TcpSegment.WINDOW_OFFSET;
            case TSVAL -> options(ipv4).timestampsOffset + 2;
            case TCP_CHECKSUM -> -1;
        };
        int length = field == LossyField.WINDOW ? 2 : field == LossyField.TSVAL ? 4 : 0;
        for (int i = 0; i < length; i++) {
            bytes.add(at + i);
        }
        return bytes;
    }

    private static boolean allFourSynOptions(byte[] ipv4) {
        TcpOptions o = options(ipv4);
        return o.hasMss() && o.hasSackPermitted() && o.hasTimestamps() && o.hasWindowScale();
    }

    private static boolean oddSackEdges(byte[] ipv4) {
        TcpOptions o = options(ipv4);
        int tcpOffset = tcp(ipv4).offset();
        return o.sackBlockCount > 0 && ((o.sackBlockOffset(0) - tcpOffset) & 1) == 1 && ((o.timestampsOffset + 2 - tcpOffset) & 1) == 1;
    }

    private static boolean crosses(int start, int length) {
        return length > 0 && Integer.compareUnsigned(start, SeqNumber.add(start, length)) > 0;
    }

    private static boolean sackCrosses(byte[] ipv4) {
        TcpOptions o = options(ipv4);
        for (int i = 0; i < o.sackBlockCount; i++) {
            int left = Bytes.i32(ipv4, o.sackBlockOffset(i));
            int right = Bytes.i32(ipv4, o.sackBlockOffset(i) + 4);
            if (crosses(left, SeqNumber.diff(right, left))) {
                return true;
            }
        }
        return false;
    }
}
