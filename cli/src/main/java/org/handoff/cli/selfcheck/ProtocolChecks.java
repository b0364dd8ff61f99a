package org.handoff.cli.selfcheck;

import java.util.List;
import org.handoff.cli.selfcheck.Check.Result;
import org.handoff.protocol.checksum.InternetChecksum;
import org.handoff.protocol.message.DecodeResult;
import org.handoff.protocol.message.FlowIdentity;
import org.handoff.protocol.message.Handoff;
import org.handoff.protocol.message.HandoffKeys;
import org.handoff.protocol.message.MessageDecoder;
import org.handoff.protocol.message.MessageEncoder;
import org.handoff.protocol.message.MessageIdGenerator;
import org.handoff.protocol.message.MessageSealer;
import org.handoff.protocol.message.NegotiatedOptions;
import org.handoff.protocol.message.ReplayGuard;
import org.handoff.protocol.seq.SeqNumber;
import org.handoff.protocol.transform.FlowTransform;
import org.handoff.protocol.transform.PacketRewriter;
import org.handoff.protocol.transform.RewriteResult;
import org.handoff.protocol.wire.Ipv4Packet;
import org.handoff.protocol.wire.Ipv4Repr;
import org.handoff.protocol.wire.PacketEmitter;
import org.handoff.protocol.wire.TcpOptions;
import org.handoff.protocol.wire.TcpRepr;
import org.handoff.protocol.wire.TcpSegment;

/** Checks of the handoff-protocol module: primitives against the RFCs, packets, the transform, the messages. */
public final class ProtocolChecks {
    private ProtocolChecks() {
    }

    public static List<Check> all() {
        return List.of(
                Check.of("checksum.rfc1071-example", ProtocolChecks::rfc1071Example),
                Check.of("seq.wrap-around", ProtocolChecks::seqWrapAround),
                Check.of("wire.syn-emit-parse", ProtocolChecks::synEmitParse),
                Check.of("transform.round-trip", ProtocolChecks::transformRoundTrip),
                Check.of("message.handoff-seal-verify", ProtocolChecks::handoffSealVerify));
    }

    /**
     * RFC 1071 section 3's numerical example: the words 0001 f203 f4f5 f6f7 sum to ddf2, so the
     * checksum is its complement 220d; with the checksum appended the data verifies.
     */
    static Result rfc1071Example() {
        byte[] data = {0x00, 0x01, (byte) 0xf2, 0x03, (byte) 0xf4, (byte) 0xf5, (byte) 0xf6, (byte) 0xf7, 0, 0};
        int checksum = InternetChecksum.compute(data, 0, 8);
        if (checksum != 0x220d) {
            return Result.fail(String.format("checksum = 0x%04x (expected: 0x220d)", checksum));
        }
        data[8] = (byte) (checksum >>> 8);
        data[9] = (byte) checksum;
        if (!InternetChecksum.verify(data, 0, data.length, 0)) {
            return Result.fail("data with its checksum appended does not verify");
        }
        return Result.pass("0001 f203 f4f5 f6f7 -> 0x220d, verifies");
    }

    /** Sequence arithmetic and comparison across 2^32 (RFC 9293 3.4). */
    static Result seqWrapAround() {
        int nearTop = 0xfffffff0;
        int wrapped = SeqNumber.add(nearTop, 0x20);
        if (wrapped != 0x10) {
            return Result.fail(String.format("0xfffffff0 + 0x20 = 0x%08x (expected: 0x00000010)", wrapped));
        }
        if (!SeqNumber.lt(nearTop, wrapped) || SeqNumber.gt(nearTop, wrapped)) {
            return Result.fail("0xfffffff0 is not before 0x00000010");
        }
        if (SeqNumber.diff(wrapped, nearTop) != 0x20) {
            return Result.fail("0x00000010 - 0xfffffff0 = " + SeqNumber.diff(wrapped, nearTop) + " (expected: 32)");
        }
        if (!SeqNumber.inWindow(0x5, nearTop, wrapped) || SeqNumber.inWindow(wrapped, nearTop, wrapped)) {
            return Result.fail("window [0xfffffff0, 0x10) test wrong at 0x5 or 0x10");
        }
        SeqNumber top = SeqNumber.of(0xffffffffL);
        if (top.plus(1).unsigned() != 0 || !top.isBefore(top.plus(1))) {
            return Result.fail("SeqNumber 4294967295 + 1 = " + top.plus(1) + " (expected: 0, and after it)");
        }
        return Result.pass("0xfffffff0 + 0x20 = 0x10, ordered, windowed");
    }

    /** A SYN with every option, emitted and parsed back: the options and checksums survive. */
    static Result synEmitParse() {
        TcpRepr t = new TcpRepr();
        t.sourcePort = 40000;
        t.destinationPort = 80;
        t.seq = 0xfffffff0;
        t.flags = TcpSegment.SYN;
        t.window = 64240;
        t.mss = 1460;
        t.sackPermitted = true;
        t.timestamps = true;
        t.tsVal = 12345;
        t.windowShift = 7;
        byte[] b = new byte[80];
        int n = new PacketEmitter().ipv4Tcp(new Ipv4Repr().set(0xc6120002, 0xc6120101, 6), t, b, 0);
        Ipv4Packet ip = new Ipv4Packet().wrap(b, 0, n);
        TcpSegment seg = new TcpSegment().wrap(b, ip.payloadOffset(), ip.payloadLength());
        TcpOptions o = new TcpOptions();
        if (ip.check() != null || seg.check() != null || seg.parseOptions(o) != null) {
            return Result.fail("emitted SYN does not pass its own checks");
        }
        if (!ip.verifyHeaderChecksum() || !seg.verifyChecksum(ip.pseudoHeaderSum())) {
            return Result.fail("emitted SYN has a bad checksum");
        }
        if (o.mss != 1460 || o.windowShift != 7 || !o.hasSackPermitted() || o.tsVal != 12345) {
            return Result.fail("options parsed back as mss=" + o.mss + " wscale=" + o.windowShift + " tsval=" + o.tsVal);
        }
        return Result.pass(n + "-byte SYN, options and checksums round-trip");
    }

    /** A server segment rewritten to the client and the client's ACK rewritten back map to the server's own numbers. */
    static Result transformRoundTrip() {
        int client = 0xc6120002;
        int vip = 0xc6120101;
        int server = 0xc6130005;
        FlowTransform flow = FlowTransform.builder().client(client, 40000).vip(vip, 80).server(server, 8080)
                .isns(0xffffff00, 0x100).timestamps(0x7ffffff0, 500).windowShifts(10, 7).build();
        PacketEmitter emitter = new PacketEmitter();
        TcpRepr data = new TcpRepr();
        data.sourcePort = 8080;
        data.destinationPort = 40000;
        data.seq = 0x101;
        data.ack = 77;
        data.flags = TcpSegment.ACK;
        data.window = 100;
        data.timestamps = true;
        data.tsVal = 600;
        data.payload(new byte[1000], 0, 1000);
        byte[] b = new byte[1100];
        int n = emitter.ipv4Tcp(new Ipv4Repr().set(server, client, 6), data, b, 0);
        PacketRewriter rewriter = new PacketRewriter();
        if (rewriter.serverToClient(b, 0, n, flow, true) != RewriteResult.OK) {
            return Result.fail("server->client rewrite refused");
        }
        Ipv4Packet ip = new Ipv4Packet().wrap(b, 0, n);
        TcpSegment seg = new TcpSegment().wrap(b, ip.payloadOffset(), ip.payloadLength());
        if (ip.source() != vip || seg.sourcePort() != 80 || !seg.verifyChecksum(ip.pseudoHeaderSum())) {
            return Result.fail("rewritten segment not from VIP:80 with a valid checksum");
        }
        TcpOptions o = new TcpOptions();
        seg.parseOptions(o);
        TcpRepr ack = new TcpRepr();
        ack.sourcePort = 40000;
        ack.destinationPort = 80;
        ack.seq = 77;
        ack.ack = SeqNumber.add(seg.seq(), 1000);
        ack.flags = TcpSegment.ACK;
        ack.timestamps = true;
        ack.tsVal = 9;
        ack.tsEcr = o.tsVal;
        byte[] a = new byte[100];
        int m = emitter.ipv4Tcp(new Ipv4Repr().set(client, vip, 6), ack, a, 0);
        if (rewriter.clientToServer(a, 0, m, flow, false) != RewriteResult.OK) {
            return Result.fail("client->server rewrite refused");
        }
        ip.wrap(a, 0, m);
        seg.wrap(a, ip.payloadOffset(), ip.payloadLength()).parseOptions(o);
        if (seg.ack() != 0x101 + 1000 || o.tsEcr != 600 || ip.destination() != server || !seg.verifyChecksum(ip.pseudoHeaderSum())) {
            return Result.fail("client ACK maps to ack=" + Integer.toUnsignedString(seg.ack()) + " tsecr=" + o.tsEcr
                    + " (expected: 1281 and 600)");
        }
        return Result.pass("seq + d, ack - d, TSval + t, TSecr - t; checksums valid both ways");
    }

    /** A HANDOFF sealed under a fresh key decodes to the same value; one flipped bit fails the MAC. */
    static Result handoffSealVerify() {
        byte[] secret = new byte[32];
        new java.security.SecureRandom().nextBytes(secret);
        HandoffKeys keys = HandoffKeys.of(9, 9L, secret);
        long now = System.currentTimeMillis();
        MessageEncoder encoder = new MessageEncoder(new MessageSealer(() -> keys, new MessageIdGenerator(), () -> now));
        Handoff h = new Handoff(FlowIdentity.ipv4(0xc6120002, 40000, 0xc6120101, 80),
                new java.net.InetSocketAddress("198.19.0.5", 80).getAddress(), 80, 1,
                SeqNumber.of(1), SeqNumber.of(1000), SeqNumber.of(30), SeqNumber.of(1001), 502,
                new NegotiatedOptions(1460, 7, 7, true, true, 5, 6), 0x5e1f_c4ec_0000_0001L, "GET / HTTP/1.1\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        byte[] d = encoder.encode(h);
        MessageDecoder decoder = new MessageDecoder(() -> keys, new ReplayGuard(10_000, 1_000, 1024), () -> now);
        if (decoder.decode(d, 0, d.length) != DecodeResult.ACCEPTED || !h.equals(decoder.message().body())) {
            return Result.fail("sealed HANDOFF did not decode to itself: " + decoder.describe());
        }
        if (decoder.decode(d, 0, d.length) != DecodeResult.DUPLICATE) {
            return Result.fail("the same datagram again was not recognised as a duplicate");
        }
        d[40] ^= 1;
        if (decoder.decode(d, 0, d.length) != DecodeResult.BAD_MAC) {
            return Result.fail("a flipped bit was not caught by the MAC: " + decoder.describe());
        }
        return Result.pass(d.length + "-byte HANDOFF: verifies, duplicate recognised, bit flip rejected");
    }
}
