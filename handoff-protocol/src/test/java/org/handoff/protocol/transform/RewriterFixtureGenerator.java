package org.handoff.protocol.transform;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.handoff.protocol.seq.SeqNumber;
import org.handoff.protocol.testing.GoldenVectors;
import org.handoff.protocol.testing.RewriterFixtures;
import org.handoff.protocol.testing.RewriterFixtures.Case;
import org.handoff.protocol.testing.RewriterFixtures.Direction;
import org.handoff.protocol.testing.RewriterFixtures.Endpoint;
import org.handoff.protocol.testing.RewriterFixtures.LossyField;
import org.handoff.protocol.testing.RewriterFixtures.Reverse;
import org.handoff.protocol.wire.Bytes;
import org.handoff.protocol.wire.Ipv4Packet;
import org.handoff.protocol.wire.PacketEmitter;
import org.handoff.protocol.wire.TcpOptions;
import org.handoff.protocol.wire.TcpSegment;
import org.handoff.protocol.wire.VirtioNetHeader;

/**
 * Test-only tool that writes the {@link PacketRewriter} fixture table from the golden captures
 * (vectors/rewriter/README.md). Every input is a captured packet, as captured or changed in one
 * stated way; every expected output is what {@link PacketRewriter} makes of it, checked once by
 * an independent tool ({@code check_fixtures.py} beside the table). Re-run only on a deliberate
 * change to the rewriter or the cases, re-run the checker, and review the diff:
 * <pre>
 * mvn -q -B -o -pl handoff-protocol test-compile
 * java -cp handoff-protocol/target/classes:handoff-protocol/target/test-classes \
 *     org.handoff.protocol.transform.RewriterFixtureGenerator handoff-protocol/src/test/resources/vectors/rewriter/fixtures.txt
 * </pre>
 * {@code RewriterFixturesTest} checks that the committed file is exactly what this writes.
 */
public final class RewriterFixtureGenerator {
    /** Addresses the cases add to the captures' own: the VIP for server packets, the origin H for client packets. */
    static final Endpoint VIP = new Endpoint(Bytes.parseIpv4("198.18.2.1"), 8080);
    static final Endpoint ORIGIN = new Endpoint(Bytes.parseIpv4("198.18.1.1"), 8080);
    /** Connection A's director side for server-packet cases, B's server side for client-packet cases. */
    static final int DIRECTOR_ISN = 0x0bad_f00d;
    static final int DIRECTOR_TSVAL = 123_456_789;
    static final int SERVER_ISN = 0x7fff_0000;
    static final int SERVER_SYN_ACK_TSVAL = 5_000;
    static final int DIRECTOR_SHIFT = 7;

    private static final String HEADER = """
            PacketRewriter fixture table, written by RewriterFixtureGenerator from the golden captures
            in handoff-protocol/src/test/resources/vectors/ -- do not edit by hand.
            Format, the meaning of each key, and the independent check: README.md in this folder.
            Packets are IP packets without a link header; numbers are unsigned decimal.""";

    private final PacketRewriter rewriter = new PacketRewriter();
    private final List<Case> cases = new ArrayList<>();
    private final List<List<String>> comments = new ArrayList<>();

    private RewriterFixtureGenerator() {
    }

    public static void main(String[] args) throws IOException {
        Path file = Path.of(args.length > 0 ? args[0] : "handoff-protocol/src/test/resources/vectors/rewriter/fixtures.txt");
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.writeString(file, generate(), StandardCharsets.US_ASCII);
        System.out.println("wrote " + file);
    }

    /** The whole table, as {@link #main} writes it. */
    static String generate() {
        RewriterFixtureGenerator g = new RewriterFixtureGenerator();
        g.serverToClientCases();
        g.clientToServerCases();
        g.unsupportedCases();
        return RewriterFixtures.format(HEADER, g.cases, g.comments);
    }

    // ---- the cases

    private void serverToClientCases() {
        String all = GoldenVectors.IPV4_HTTP_ALL_OPTIONS;
        add(serverFlow("s2c-syn-ack-all-options", all, 1,
                "SYN-ACK with MSS, SACK-permitted, timestamps, window scale: address, port, seq + d, TSval + t; "
                        + "a SYN's window is never scaled"));
        add(serverFlow("s2c-response-all-options", all, 5,
                "1278-byte response with timestamps: window 64 rescaled from shift 10 to 7 (x8, exact)"));
        add(serverFlow("s2c-fin-all-options", all, 8, "FIN-ACK with timestamps"));
        add(serverFlow("s2c-response-no-timestamps", GoldenVectors.IPV4_HTTP_NO_TS, 5,
                "response on a flow without timestamps: no TSval to move, the transform has none"));
        add(serverFlow("s2c-response-no-window-scale", GoldenVectors.IPV4_HTTP_NO_WSCALE, 5,
                "response on a flow without window scaling (shifts 0 and 0): the window passes unchanged")
                .shifts(0, 0));

        String post = GoldenVectors.IPV4_HTTP_POST;
        Spec down = serverFlow("s2c-window-rounds-up", post, 10,
                "server ACK, window 73 at shift 10 rescaled to shift 14: 73 * 2^10 / 2^14 = 4.5625, rounded up to 5");
        requireWindow(down, 73);
        add(down.shifts(10, 14).reverse(LossyField.WINDOW, "rounded up: 5 at shift 14 is 80 at shift 10, not 73"));
        Spec clamp = serverFlow("s2c-window-clamps", post, 10,
                "server ACK, window 73 at shift 10 rescaled to shift 0: 74752 bytes clamped to 65535");
        requireWindow(clamp, 73);
        add(clamp.shifts(10, 0).reverse(LossyField.WINDOW, "clamped: 65535 at shift 0 is 64 at shift 10, not 73"));

        Spec wrap = serverFlow("s2c-seq-and-tsval-wrap", all, 5,
                "response whose rewritten sequence space crosses 2^32 (seq 4294966273, "
                        + "1278 bytes) and whose TSval + t is 0 mod 2^32, above a floor of 4294967295");
        wrap.directorIsn = 0xffff_fc00;
        wrap.directorTsVal = 0xffff_ffff;
        add(wrap);

        Spec floor = serverFlow("s2c-tsval-floor", all, 4,
                "server ACK with a TSval 1000 ticks older than the SYN-ACK's (a clock stepped back): "
                        + "TSval + t is below the director's last TSval, so it is lifted to it (PAWS)");
        floor.serverTsVal = SeqNumber.add(floor.serverTsVal, 1000);
        add(floor.reverse(LossyField.TSVAL, "lifted to the floor: the server's own TSval is not recoverable"));

        Spec partial = serverFlow("s2c-partial-checksum", GoldenVectors.TUN_VNET_TSO, 2,
                "304-byte response read from a TUN with offloads (NEEDS_CSUM): "
                        + "only the address change is folded into the partial checksum");
        add(partial.checksum(ChecksumState.PARTIAL));
        Spec tso = serverFlow("s2c-tso-super-segment", GoldenVectors.TUN_VNET_TSO, 9,
                "TSO super-segment (2948 bytes, gso_size 1448: 2 segments) with a partial checksum: rewritten once, "
                        + "before the kernel cuts it");
        add(tso.checksum(ChecksumState.PARTIAL));

        Spec unverified = serverFlow("s2c-unverified-checksum", all, 5,
                "response whose TCP checksum is not known valid: both checksums recomputed in full");
        add(unverified.checksum(ChecksumState.UNVERIFIED).tcpChecksum(0x1234, "TCP checksum overwritten with 0x1234 (not valid)")
                .reverse(LossyField.TCP_CHECKSUM, "recomputed: the input's invalid value 0x1234 is not kept"));
    }

    private void clientToServerCases() {
        String all = GoldenVectors.IPV4_HTTP_ALL_OPTIONS;
        add(clientFlow("c2s-syn-all-options", all, 0,
                "SYN with MSS, SACK-permitted, timestamps, window scale: destination, port; "
                        + "the zero ack is moved by -d like any ack (harmless, the agent never forwards a SYN)"));
        add(clientFlow("c2s-request-all-options", all, 3, "82-byte GET with timestamps: ack - d, TSecr - t"));
        add(clientFlow("c2s-fin-all-options", all, 7, "FIN-ACK with timestamps"));
        add(clientFlow("c2s-request-no-timestamps", GoldenVectors.IPV4_HTTP_NO_TS, 3,
                "GET on a flow without timestamps: only addresses, port and ack change"));

        String sack = GoldenVectors.IPV4_SACK_BLOCKS;
        for (int blocks = 1; blocks <= 3; blocks++) {
            int frame = firstWithSackBlocks(sack, blocks);
            add(clientFlow("c2s-sack-" + blocks + (blocks == 1 ? "-block" : "-blocks"), sack, frame,
                    "ACK with " + blocks + " SACK block" + (blocks == 1 ? "" : "s") + " and timestamps: every edge - d"));
        }
        String sackNoTs = GoldenVectors.IPV4_SACK_BLOCKS_NO_TS;
        add(clientFlow("c2s-sack-4-blocks-no-timestamps", sackNoTs, firstWithSackBlocks(sackNoTs, 4),
                "ACK with 4 SACK blocks (room for 4 without timestamps): every edge - d"));

        int three = firstWithSackBlocks(sack, 3);
        add(clientFlow("c2s-sack-odd-offsets", sack, three,
                "ACK with 3 SACK blocks whose options were re-laid so TSval, TSecr and every edge start at odd offsets: "
                        + "the incremental update swaps their deltas")
                .oddOptionOffsets());

        Spec wrap = clientFlow("c2s-ack-and-sack-wrap", sack, three,
                "ACK with 3 SACK blocks, d chosen so the first block's left edge becomes 4294967195: "
                        + "that block crosses 2^32, the ack lies below it and the later blocks above");
        byte[] p = GoldenVectors.ipPackets(sack).get(three);
        TcpOptions o = options(p);
        int left = Bytes.i32(p, o.sackBlockOffset(0));
        // d = di - si, and the rewrite subtracts it: choose si so that left - d = 2^32 - 101.
        wrap.serverIsn = SeqNumber.add(wrap.directorIsn, -SeqNumber.diff(left, 0xffff_ff9b));
        add(wrap);

        Spec partial = clientFlow("c2s-partial-checksum", all, 3,
                "GET whose TCP checksum is partial (the pseudo-header sum), kept partial: "
                        + "only the destination change is folded in");
        add(partial.checksum(ChecksumState.PARTIAL).partialTcpChecksum());
        Spec veth = clientFlow("c2s-unverified-partial-checksum", all, 3,
                "GET as the director captures it on a veth with tx offload (partial checksum), not known valid: "
                        + "both checksums recomputed in full");
        add(veth.checksum(ChecksumState.UNVERIFIED).partialTcpChecksum()
                .reverse(LossyField.TCP_CHECKSUM, "recomputed: the input's partial value is not kept"));
    }

    private void unsupportedCases() {
        Spec ipv6 = serverFlow("s2c-ipv6-not-rewritten", GoldenVectors.IPV4_HTTP_ALL_OPTIONS, 5, "");
        ipv6.source(GoldenVectors.IPV6_HTTP_ALL_OPTIONS, 5, GoldenVectors.ipPackets(GoldenVectors.IPV6_HTTP_ALL_OPTIONS).get(5));
        ipv6.about = "IPv6 response: refused (not-ipv4), the packet untouched";
        add(ipv6);
        Spec udp = serverFlow("s2c-udp-not-rewritten", GoldenVectors.IPV4_HTTP_ALL_OPTIONS, 5, "");
        udp.source(GoldenVectors.IPV4_UDP, 1, GoldenVectors.ipPackets(GoldenVectors.IPV4_UDP).get(1));
        udp.about = "UDP datagram: refused (not-tcp), the packet untouched";
        add(udp);
    }

    // ---- flows drawn from the captures

    /**
     * A server packet of connection B: the captured server is the origin H, the client keeps its
     * address, the VIP is {@link #VIP}. B's ISN, SYN-ACK TSval and window shift are the capture's
     * (its SYN-ACK, the first packet with SYN and ACK); A's are the director constants.
     */
    private static Spec serverFlow(String name, String capture, int frame, String about) {
        List<byte[]> packets = packets(capture);
        byte[] synAck = synAck(packets, capture);
        Spec s = new Spec(name, about, Direction.SERVER_TO_CLIENT).source(capture, frame, packets.get(frame));
        s.client = new Endpoint(Bytes.i32(synAck, Ipv4Packet.DESTINATION_OFFSET), tcp(synAck).destinationPort());
        s.server = new Endpoint(Bytes.i32(synAck, Ipv4Packet.SOURCE_OFFSET), tcp(synAck).sourcePort());
        s.vip = VIP;
        s.directorIsn = DIRECTOR_ISN;
        s.serverIsn = tcp(synAck).seq();
        TcpOptions o = options(synAck);
        s.timestamps = o.hasTimestamps();
        s.directorTsVal = DIRECTOR_TSVAL;
        s.serverTsVal = o.tsVal;
        s.serverShift = o.hasWindowScale() ? o.windowShift : 0;
        s.directorShift = o.hasWindowScale() ? DIRECTOR_SHIFT : 0;
        return s;
    }

    /**
     * A client packet of connection A: the captured server plays the VIP (the director), so A's
     * ISN and TSval are what the client acknowledges and echoes in its first ACK; the origin is
     * {@link #ORIGIN} with the server constants.
     */
    private static Spec clientFlow(String name, String capture, int frame, String about) {
        List<byte[]> packets = packets(capture);
        byte[] firstAck = null;
        for (byte[] p : packets) {
            if (!tcp(p).syn() && tcp(p).ackFlag()) {
                firstAck = p;
                break;
            }
        }
        if (firstAck == null) {
            throw new IllegalStateException(capture + ": no client ACK");
        }
        Spec s = new Spec(name, about, Direction.CLIENT_TO_SERVER).source(capture, frame, packets.get(frame));
        s.client = new Endpoint(Bytes.i32(firstAck, Ipv4Packet.SOURCE_OFFSET), tcp(firstAck).sourcePort());
        s.vip = new Endpoint(Bytes.i32(firstAck, Ipv4Packet.DESTINATION_OFFSET), tcp(firstAck).destinationPort());
        s.server = ORIGIN;
        s.directorIsn = SeqNumber.add(tcp(firstAck).ack(), -1);
        s.serverIsn = SERVER_ISN;
        TcpOptions o = options(firstAck);
        s.timestamps = o.hasTimestamps();
        s.directorTsVal = o.tsEcr;
        s.serverTsVal = SERVER_SYN_ACK_TSVAL;
        s.serverShift = 10;
        s.directorShift = DIRECTOR_SHIFT;
        return s;
    }

    private static List<byte[]> packets(String capture) {
        if (!capture.equals(GoldenVectors.TUN_VNET_TSO)) {
            return GoldenVectors.ipPackets(capture);
        }
        List<byte[]> packets = new ArrayList<>();
        VirtioNetHeader vnet = new VirtioNetHeader();
        for (byte[] f : GoldenVectors.vnetFrames()) {
            vnet.wrap(f, 0, f.length);
            packets.add(Arrays.copyOfRange(f, vnet.packetOffset(), vnet.packetOffset() + vnet.packetLength()));
        }
        return packets;
    }

    private static byte[] synAck(List<byte[]> packets, String capture) {
        for (byte[] p : packets) {
            if (tcp(p).syn() && tcp(p).ackFlag()) {
                return p;
            }
        }
        throw new IllegalStateException(capture + ": no SYN-ACK");
    }

    private static int firstWithSackBlocks(String capture, int blocks) {
        List<byte[]> packets = GoldenVectors.ipPackets(capture);
        for (int i = 0; i < packets.size(); i++) {
            if (options(packets.get(i)).sackBlockCount == blocks) {
                return i;
            }
        }
        throw new IllegalStateException(capture + ": no ACK with " + blocks + " SACK blocks");
    }

    private static void requireWindow(Spec s, int window) {
        if (tcp(s.input).window() != window) {
            throw new IllegalStateException(s.name + ": window " + tcp(s.input).window() + " (expected: " + window
                    + "; the capture changed, re-pick the frame)");
        }
    }

    private static TcpSegment tcp(byte[] ipv4) {
        Ipv4Packet ip = new Ipv4Packet().wrap(ipv4, 0, ipv4.length);
        return new TcpSegment().wrap(ipv4, ip.payloadOffset(), ip.payloadLength());
    }

    private static TcpOptions options(byte[] ipv4) {
        TcpOptions o = new TcpOptions();
        if (tcp(ipv4).parseOptions(o) != null) {
            throw new IllegalStateException("captured TCP options do not parse");
        }
        return o;
    }

    // ---- one case

    private void add(Spec s) {
        FlowTransform f = s.transform();
        Case draft = new Case(s.name, s.about, s.capture, s.frame, s.derived, s.direction, s.checksum, s.client, s.vip,
                s.server, f.seqOffset, f.timestamps, f.timestamps ? f.tsOffset : 0, f.timestamps ? f.tsFloor : 0,
                f.serverShift, f.directorShift, RewriteResult.OK, s.reverse, s.input, s.input);
        byte[] out = s.input.clone();
        RewriteResult result = draft.apply(rewriter, draft.transform(), out, 0, out.length);
        byte[] back = out.clone();
        draft.apply(rewriter, draft.inverseTransform(), back, 0, back.length);
        if (s.reverse.exact() != Arrays.equals(back, s.input)) {
            throw new IllegalStateException(s.name + ": declared reverse " + s.reverse + ", but the round trip "
                    + (s.reverse.exact() ? "differs" : "gives the input back"));
        }
        cases.add(new Case(draft.name(), draft.about(), draft.capture(), draft.frame(), draft.derived(), draft.direction(),
                draft.checksum(), draft.client(), draft.vip(), draft.server(), draft.seqOffset(), draft.timestamps(),
                draft.tsOffset(), draft.tsFloor(), draft.serverShift(), draft.directorShift(), result, draft.reverse(),
                s.input, out));
        comments.add(List.of("transform: isns(di=" + Integer.toUnsignedString(s.directorIsn) + ", si="
                + Integer.toUnsignedString(s.serverIsn) + ") "
                + (s.timestamps ? "timestamps(director=" + Integer.toUnsignedString(s.directorTsVal) + ", server SYN-ACK="
                + Integer.toUnsignedString(s.serverTsVal) + ")" : "no timestamps")
                + " windowShifts(ws=" + s.serverShift + ", wd=" + s.directorShift + ")"));
    }

    /** A case being put together: the capture's packet and flow, then the changes the case makes. */
    private static final class Spec {
        final String name;
        final Direction direction;
        String about;
        String capture;
        int frame;
        String derived = "as-captured";
        byte[] input;
        ChecksumState checksum = ChecksumState.VALID;
        Endpoint client;
        Endpoint vip;
        Endpoint server;
        int directorIsn;
        int serverIsn;
        boolean timestamps;
        int directorTsVal;
        int serverTsVal;
        int serverShift;
        int directorShift;
        Reverse reverse = Reverse.EXACT;

        Spec(String name, String about, Direction direction) {
            this.name = name;
            this.about = about;
            this.direction = direction;
        }

        Spec source(String capture, int frame, byte[] packet) {
            this.capture = capture;
            this.frame = frame;
            this.input = packet.clone();
            if (capture.equals(GoldenVectors.TUN_VNET_TSO)) {
                VirtioNetHeader v = new VirtioNetHeader().wrap(GoldenVectors.vnetFrames().get(frame), 0, VirtioNetHeader.LENGTH);
                this.derived = "virtio-net header removed (flags " + v.flags() + ", gso_type " + v.gsoType() + ", gso_size "
                        + v.gsoSize() + ", hdr_len " + v.hdrLen() + ", csum_start " + v.csumStart() + ", csum_offset "
                        + v.csumOffset() + ")";
            }
            return this;
        }

        Spec checksum(ChecksumState state) {
            this.checksum = state;
            return this;
        }

        Spec shifts(int ws, int wd) {
            this.serverShift = ws;
            this.directorShift = wd;
            return this;
        }

        Spec reverse(LossyField field, String reason) {
            this.reverse = Reverse.lossy(field, reason);
            return this;
        }

        Spec tcpChecksum(int value, String why) {
            Ipv4Packet ip = new Ipv4Packet().wrap(input, 0, input.length);
            new TcpSegment().wrap(input, ip.payloadOffset(), ip.payloadLength()).checksum(value);
            derived = why;
            return this;
        }

        /** The TCP checksum field set to the pseudo-header sum, as checksum offload leaves it. */
        Spec partialTcpChecksum() {
            Ipv4Packet ip = new Ipv4Packet().wrap(input, 0, input.length);
            return tcpChecksum(org.handoff.protocol.checksum.InternetChecksum.partial(ip.pseudoHeaderSum()),
                    "TCP checksum set to the pseudo-header sum (partial), as a veth with tx offload hands it over");
        }

        /**
         * Re-lays timestamps and SACK as NOP, TS, NOP, NOP, SACK, EOL padding: the header length
         * stays, TSval and every SACK edge move to odd offsets. Checksums refilled.
         */
        Spec oddOptionOffsets() {
            TcpOptions o = options(input);
            TcpSegment t = tcp(input);
            int sackLength = 2 + TcpOptions.SACK_BLOCK_LENGTH * o.sackBlockCount;
            byte[] ts = Arrays.copyOfRange(input, o.timestampsOffset, o.timestampsOffset + TcpOptions.LENGTH_TIMESTAMPS);
            byte[] sack = Arrays.copyOfRange(input, o.sackOffset, o.sackOffset + sackLength);
            int at = t.offset() + TcpSegment.OPTIONS_OFFSET;
            int end = t.offset() + t.headerLength();
            if (1 + ts.length + 2 + sack.length > end - at) {
                throw new IllegalStateException(name + ": options do not fit re-laid");
            }
            Arrays.fill(input, at, end, (byte) TcpOptions.KIND_EOL);
            input[at++] = TcpOptions.KIND_NOP;
            System.arraycopy(ts, 0, input, at, ts.length);
            at += ts.length;
            input[at++] = TcpOptions.KIND_NOP;
            input[at++] = TcpOptions.KIND_NOP;
            System.arraycopy(sack, 0, input, at, sack.length);
            new PacketEmitter().fillIpv4TcpChecksums(input, 0);
            derived = "options re-laid as NOP, timestamps, NOP, NOP, SACK, EOL (TSval and SACK edges at odd offsets), checksums refilled";
            return this;
        }

        FlowTransform transform() {
            FlowTransform.Builder b = FlowTransform.builder().client(client.address(), client.port())
                    .vip(vip.address(), vip.port()).server(server.address(), server.port())
                    .isns(directorIsn, serverIsn).windowShifts(serverShift, directorShift);
            if (timestamps) {
                b.timestamps(directorTsVal, serverTsVal);
            }
            return b.build();
        }
    }
}
