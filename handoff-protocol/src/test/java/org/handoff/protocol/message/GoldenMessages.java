package org.handoff.protocol.message;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.OptionalInt;
import org.handoff.protocol.seq.SeqNumber;
import org.handoff.protocol.wire.Bytes;

/**
 * The values behind the golden vectors in src/test/resources/vectors/messages. Tests decode the
 * committed bytes and compare with these, and encode these and compare with the committed bytes;
 * {@link GoldenVectorGenerator} wrote the files once from these values.
 */
final class GoldenMessages {
    private GoldenMessages() {
    }

    /** Key id 7, secret 00 01 02 .. 1f (vectors/messages/test.keys). */
    static final long KEY_ID = 7;
    static final byte[] SECRET = Bytes.fromHex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
    /** 2023-11-14T22:13:20Z, the sender timestamp of every vector. */
    static final long TIMESTAMP = 1_700_000_000_000L;
    static final long BOOT = 0x1a2b3c4dL << 32;

    static HandoffKeys keys() {
        return HandoffKeys.of(KEY_ID, KEY_ID, SECRET);
    }

    static InetAddress ip(String literal) {
        try {
            // Literals only: getByName on an address literal never does a lookup.
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(literal, e);
        }
    }

    static final FlowIdentity FLOW_V4 = FlowIdentity.of(ip("198.18.0.10"), 40000, ip("198.18.1.1"), 80);
    static final FlowIdentity FLOW_V6 = FlowIdentity.of(ip("2001:db8::10"), 40001, ip("2001:db8::1"), 443);

    static final byte[] REQUEST = "GET /index.html HTTP/1.1\r\nHost: 198.18.1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    static final Handoff HANDOFF_V4 = new Handoff(FLOW_V4, ip("198.18.2.10"), 8080, 1,
            SeqNumber.of(0x11223344), SeqNumber.of(0x55667788),
            SeqNumber.of(0x11223344 + 1 + REQUEST.length), SeqNumber.of(0x55667789),
            502, new NegotiatedOptions(1460, 7, 7, true, true, 0x01020304, 0x0a0b0c0d), 0x5eed_70ce_0123_4567L, REQUEST);

    /** IPv6, no window scaling, no timestamps, no SACK, second attempt, ISNs and flow token with the top bit set. */
    static final Handoff HANDOFF_V6 = new Handoff(FLOW_V6, ip("2001:db8::2:10"), 8443, 2,
            SeqNumber.of(0xfffffff0), SeqNumber.of(0x80000000),
            SeqNumber.of(0xfffffff1 + 5), SeqNumber.of(0x80000001),
            65535, new NegotiatedOptions(1220, NegotiatedOptions.NO_WINDOW_SCALING, NegotiatedOptions.NO_WINDOW_SCALING, false, false, 0, 0),
            0xfedc_ba98_7654_3210L, "hello".getBytes(StandardCharsets.US_ASCII));

    static final HandoffAck HANDOFF_ACK = new HandoffAck(FLOW_V6, BOOT | 1, OptionalInt.of(0xdeadbeef), OptionalInt.of(10));
    static final HandoffNack HANDOFF_NACK = new HandoffNack(FLOW_V4, BOOT | 1, NackReason.SERVER_TIMEOUT);

    /** An IPv4/TCP pure ACK (40 bytes) and a segment with 5 payload bytes; illustrative bytes, checksums not computed. */
    static final byte[] PACKET_ACK = Bytes.fromHex(
            "45000028 1c460000 40060000 c612000a c6120101"
                    + "9c400050 112233a4 55667789 50100200 00000000");
    static final byte[] PACKET_DATA = Bytes.fromHex(
            "4500002d 1c470000 40060000 c612000a c6120101"
                    + "9c400050 112233a4 55667789 50180200 00000000 68656c6c6f");
    static final Forward FORWARD = new Forward(FLOW_V4, List.of(PACKET_ACK, PACKET_DATA));

    static final Abort ABORT = new Abort(FLOW_V4, AbortReason.HANDOFF_TIMEOUT);
    static final Closed CLOSED = new Closed(FLOW_V4, 1234, 5_000_000, 1500, CloseReason.FIN);
    static final Heartbeat HEARTBEAT = new Heartbeat("agent-1.lab", 12, 10_000, 250, HealthState.OK, 3_600_000);

    /**
     * The flow of HANDOFF_V4 after a 4096-byte response the client acknowledged, recalled for the
     * client's second request (which starts right after the first request's 46 bytes).
     */
    static final Recall RECALL = new Recall(FLOW_V4, BOOT | 1, SeqNumber.of(0x11223344 + 1 + REQUEST.length),
            SeqNumber.of(0x55667789 + 4096));
    static final Handback HANDBACK = new Handback(FLOW_V4, BOOT | 9, SeqNumber.of(0x55667789 + 4096), true, 0x0a0b0d0e, 0x01f6,
            REQUEST.length, 4096, 250);
    static final RecallNack RECALL_NACK = new RecallNack(FLOW_V4, BOOT | 9, RecallNackReason.RESPONSE_PENDING);

    /** One golden vector: its file under vectors/messages, its value and its message id. */
    record Vector(String file, MessageBody body, long messageId) {
    }

    static final Vector V_HANDOFF_V4 = new Vector("handoff-ipv4.hex", HANDOFF_V4, BOOT | 1);
    static final Vector V_HANDOFF_V6 = new Vector("handoff-ipv6-no-options.hex", HANDOFF_V6, BOOT | 2);
    static final Vector V_HANDOFF_ACK = new Vector("handoff-ack-ipv6.hex", HANDOFF_ACK, BOOT | 3);
    static final Vector V_HANDOFF_NACK = new Vector("handoff-nack.hex", HANDOFF_NACK, BOOT | 4);
    static final Vector V_FORWARD = new Vector("forward.hex", FORWARD, BOOT | 5);
    static final Vector V_ABORT = new Vector("abort.hex", ABORT, BOOT | 6);
    static final Vector V_CLOSED = new Vector("closed.hex", CLOSED, BOOT | 7);
    static final Vector V_HEARTBEAT = new Vector("heartbeat.hex", HEARTBEAT, BOOT | 8);
    static final Vector V_RECALL = new Vector("recall.hex", RECALL, BOOT | 9);
    static final Vector V_HANDBACK = new Vector("handback.hex", HANDBACK, BOOT | 10);
    static final Vector V_RECALL_NACK = new Vector("recall-nack.hex", RECALL_NACK, BOOT | 11);

    static final List<Vector> ALL = List.of(V_HANDOFF_V4, V_HANDOFF_V6, V_HANDOFF_ACK, V_HANDOFF_NACK, V_FORWARD, V_ABORT,
            V_CLOSED, V_HEARTBEAT, V_RECALL, V_HANDBACK, V_RECALL_NACK);
}
