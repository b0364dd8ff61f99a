package org.handoff.protocol.message;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.handoff.protocol.testing.GoldenVectors;
import org.handoff.protocol.testing.TunnelFixtures;
import org.handoff.protocol.testing.TunnelFixtures.Case;
import org.handoff.protocol.wire.Bytes;
import org.handoff.protocol.wire.Ipv4Packet;
import org.handoff.protocol.wire.TcpOptions;
import org.handoff.protocol.wire.TcpSegment;

/**
 * Test-only tool that wrote {@code vectors/tunnel/fixtures.txt}: client packets from the golden
 * captures, each encapsulated by {@link TunnelFrameWriter}. {@code TunnelFramesTest} fails when
 * the committed table and {@link #cases()} disagree; then regenerate, re-run the independent
 * check (vectors/tunnel/README.md), review the diff and say why in the commit:
 * <pre>
 * mvn -q -B -o -pl handoff-protocol test-compile
 * java -cp handoff-protocol/target/classes:handoff-protocol/target/test-classes \
 *     org.handoff.protocol.message.TunnelFixtureGenerator handoff-protocol/src/test/resources/vectors/tunnel/fixtures.txt
 * </pre>
 */
public final class TunnelFixtureGenerator {
    /** The lab's director and origin1 agent (examples/lab): what the director's XDP program would use there. */
    static final int DIRECTOR = Bytes.parseIpv4("198.18.0.1");
    static final int AGENT = Bytes.parseIpv4("198.18.0.11");
    static final int AGENT_PORT = 7070;
    /** IPv4 Router Alert (RFC 2113), a 4-byte option a router may legitimately leave in a packet. */
    static final byte[] ROUTER_ALERT = {(byte) 0x94, 0x04, 0x00, 0x00};

    static final String HEADER = """
            TUNNEL encapsulation golden vectors (docs/handoff-protocol.md 3.11), written by TunnelFixtureGenerator.
            Per case: the client packet (inner), the flow token, director and agent, and the whole IPv4 packet
            (frame) the director's XDP program sends after its Ethernet header. Format: README.md beside this file.""";

    private TunnelFixtureGenerator() {
    }

    public static void main(String[] args) throws IOException {
        Path out = Path.of(args.length > 0 ? args[0] : "handoff-protocol/src/test/resources/vectors/tunnel/fixtures.txt");
        Files.createDirectories(out.getParent());
        Files.writeString(out, TunnelFixtures.format(HEADER, cases()), StandardCharsets.US_ASCII);
    }

    /** The table's cases, built from the captures. */
    static List<Case> cases() {
        List<Case> cases = new ArrayList<>();
        String noOptions = GoldenVectors.IPV4_HTTP_NO_OPTIONS;
        int bare = firstClient(noOptions, TunnelFixtureGenerator::isPureAck);
        cases.add(encapsulate("pure-ack-no-options", "the smallest inner packet: a pure ACK without TCP options (40 bytes)",
                noOptions, bare, "as-captured", 0x0000_0000_0000_00ffL, packet(noOptions, bare)));

        String all = GoldenVectors.IPV4_HTTP_ALL_OPTIONS;
        int ack = firstClient(all, TunnelFixtureGenerator::isPureAck);
        cases.add(encapsulate("pure-ack-timestamps", "pure ACK with timestamps, the packet the director encapsulates by default",
                all, ack, "as-captured", 0x5eed_70ce_0bad_f00dL, packet(all, ack)));

        String sack = GoldenVectors.IPV4_SACK_BLOCKS;
        int sacked = firstClient(sack, p -> isPureAck(p) && options(p).sackBlockCount >= 2 && options(p).hasTimestamps());
        cases.add(encapsulate("ack-sack-timestamps", "pure ACK with " + options(packet(sack, sacked)).sackBlockCount
                        + " SACK blocks and timestamps; token with the top bit set", sack, sacked, "as-captured",
                0x8000_0000_0000_0001L, packet(sack, sacked)));

        int request = firstClient(all, p -> tcp(p).payloadLength() > 0);
        cases.add(encapsulate("request-payload", "segment carrying request bytes (a GET), encapsulated for a flow pinned to one"
                        + " origin (flag all)", all, request, "as-captured", 0x0123_4567_89ab_cdefL, packet(all, request)));

        cases.add(encapsulate("inner-ip-options", "pure ACK whose IPv4 header carries an option (IHL 6): the inner packet's TCP"
                        + " header starts at 24, and the source-port hash reads its ports there", all, ack,
                "IPv4 Router Alert option (94 04 00 00) inserted after the header: IHL 6, total length + 4, header checksum"
                        + " recomputed", 0xfedc_ba98_7654_3210L, withIpOption(packet(all, ack), ROUTER_ALERT)));
        return cases;
    }

    private static Case encapsulate(String name, String about, String capture, int frameIndex, String derived, long token,
                                    byte[] inner) {
        byte[] frame = new byte[TunnelFrameWriter.OVERHEAD + inner.length];
        int length = new TunnelFrameWriter().write(frame, 0, DIRECTOR, AGENT, AGENT_PORT, token, inner, 0, inner.length);
        if (length != frame.length) {
            throw new IllegalStateException(name + ": wrote " + length + " of " + frame.length + " bytes");
        }
        return new Case(name, about, capture, frameIndex, derived, DIRECTOR, AGENT, AGENT_PORT, token,
                TunnelFrameWriter.sourcePort(inner, 0), inner, frame);
    }

    private static byte[] packet(String capture, int index) {
        return GoldenVectors.ipPackets(capture).get(index);
    }

    /** The first packet the client sent that {@code wanted} accepts. */
    private static int firstClient(String capture, Predicate<byte[]> wanted) {
        int client = Bytes.parseIpv4(GoldenVectors.CLIENT_IPV4);
        List<byte[]> packets = GoldenVectors.ipPackets(capture);
        for (int i = 0; i < packets.size(); i++) {
            byte[] p = packets.get(i);
            if (Ipv4Packet.versionOf(p[0]) == Ipv4Packet.VERSION && ip(p).source() == client && wanted.test(p)) {
                return i;
            }
        }
        throw new IllegalStateException(capture + ": no such client packet");
    }

    private static boolean isPureAck(byte[] p) {
        TcpSegment t = tcp(p);
        return t.flags() == TcpSegment.ACK && t.payloadLength() == 0;
    }

    private static Ipv4Packet ip(byte[] p) {
        return new Ipv4Packet().wrap(p, 0, p.length);
    }

    private static TcpSegment tcp(byte[] p) {
        Ipv4Packet ip = ip(p);
        return new TcpSegment().wrap(p, ip.payloadOffset(), ip.payloadLength());
    }

    private static TcpOptions options(byte[] p) {
        TcpOptions o = new TcpOptions();
        if (tcp(p).parseOptions(o) != null) {
            throw new IllegalStateException("captured TCP options do not parse");
        }
        return o;
    }

    /** The packet with {@code option} (a multiple of 4 bytes) appended to its IPv4 header. */
    static byte[] withIpOption(byte[] p, byte[] option) {
        int headerLength = (p[0] & 0xf) * 4;
        byte[] out = new byte[p.length + option.length];
        System.arraycopy(p, 0, out, 0, headerLength);
        System.arraycopy(option, 0, out, headerLength, option.length);
        System.arraycopy(p, headerLength, out, headerLength + option.length, p.length - headerLength);
        Ipv4Packet ip = new Ipv4Packet().wrap(out, 0, out.length);
        // The TCP checksum stays valid: its pseudo-header (addresses, protocol, TCP length) is unchanged.
        ip.versionAndHeaderLength(headerLength + option.length).totalLength(out.length).fillHeaderChecksum();
        return out;
    }
}
