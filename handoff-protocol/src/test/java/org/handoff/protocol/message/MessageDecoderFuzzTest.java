package org.handoff.protocol.message;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.Arrays;
import org.handoff.protocol.wire.Bytes;

/**
 * Fuzz targets for the decoder. Under plain {@code mvn test} each runs once per committed seed in
 * src/test/resources/org/handoff/protocol/message/MessageDecoderFuzzTestInputs/&lt;method&gt;/
 * (regression mode); with JAZZER_FUZZ=1 one of them is fuzzed (docs/handoff-protocol.md, "Fuzzing").
 *
 * <p>Properties: decode never throws, describe() never throws, and anything authentic re-encodes
 * to exactly the bytes it was decoded from (the decoder is strict enough that each message has
 * one encoding). A TUNNEL, which has no value, re-encodes from its token and inner packet, and its
 * views read inside the datagram.
 */
class MessageDecoderFuzzTest {
    private static final HandoffKeys KEYS = GoldenMessages.keys();

    private final MessageDecoder decoder = new MessageDecoder(() -> KEYS, null, () -> 0);
    private final MessageSealer sealer = new MessageSealer(() -> KEYS, MessageIdGenerator.withBootId(1), () -> 0);
    private final MessageEncoder encoder = new MessageEncoder(sealer);
    private final MessageHeaderFlyweight header = new MessageHeaderFlyweight();
    private final ForwardPacketCursor cursor = new ForwardPacketCursor();
    private final TunnelFlyweight tunnel = new TunnelFlyweight();

    /** Raw bytes as an attacker on the wire would send them: almost all die at the MAC. */
    @FuzzTest(maxDuration = "3m")
    void decodeArbitraryBytes(byte[] data) {
        check(data);
    }

    /**
     * The input with a valid MAC under the test key written over its last 32 bytes (and key id 7
     * in its header): a sender with the key but a buggy encoder. This lets the fuzzer reach the
     * body rules, which a MAC would otherwise hide from it.
     */
    @FuzzTest(maxDuration = "3m")
    void decodeSealedBytes(byte[] data) {
        if (data.length >= HandoffProtocol.MIN_DATAGRAM_LENGTH && data.length <= HandoffProtocol.MAX_DATAGRAM_LENGTH) {
            data = data.clone();
            header.wrap(data, 0);
            sealer.seal(data, 0, data.length, header.messageId(), GoldenMessages.KEY_ID, header.timestampMillis());
        }
        check(data);
    }

    private void check(byte[] data) {
        DecodeResult result = decoder.decode(data, 0, data.length);
        String description = decoder.describe();
        if (!result.isAuthentic()) {
            if (decoder.type() != null) {
                throw new AssertionError("rejected datagram left a type: " + description);
            }
            return;
        }
        if (decoder.type() == MessageType.TUNNEL) {
            checkTunnel(data);
            return;
        }
        Message message = decoder.message();
        byte[] again = encoder.encode(message);
        if (!Arrays.equals(again, data)) {
            throw new AssertionError("re-encoding differs\n in:  " + Bytes.hex(data, 0, data.length)
                    + "\n out: " + Bytes.hex(again, 0, again.length) + "\n " + message);
        }
        if (message.type() == MessageType.FORWARD) {
            int packets = 0;
            for (cursor.wrap(decoder.forward()); cursor.next(); ) {
                packets++;
            }
            if (packets != decoder.forward().packetCount()) {
                throw new AssertionError("cursor saw " + packets + " packets, header says " + decoder.forward().packetCount());
            }
        }
        if (message.type().hasFlowIdentity() && !decoder.flow().isFlow(decoder.flow().flowIdentity())) {
            throw new AssertionError("flow identity does not match itself: " + decoder.flow());
        }
    }

    private void checkTunnel(byte[] data) {
        TunnelFlyweight t = decoder.tunnel();
        byte[] again = data.clone();
        tunnel.wrap(again, 0).writeHeader(t.innerLength(), t.flowToken());
        if (!Arrays.equals(again, data)) {
            throw new AssertionError("TUNNEL header re-written differs: " + Bytes.hex(data, 0, TunnelFlyweight.HEADER_LENGTH));
        }
        int portsEnd = t.innerOffset() + t.innerHeaderLength() + 4;
        if (t.innerLength() != data.length - TunnelFlyweight.HEADER_LENGTH || portsEnd > data.length || t.flowToken() == 0) {
            throw new AssertionError("accepted TUNNEL reads outside itself: " + t);
        }
    }
}
