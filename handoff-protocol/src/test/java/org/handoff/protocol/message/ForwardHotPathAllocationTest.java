package org.handoff.protocol.message;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

/**
 * The per-packet path must not allocate: FORWARD encode into a reused buffer, seal, decode,
 * iterate. Measured with the thread's allocation counter over many messages after warm-up, so
 * one stray allocation per message (16+ bytes) would show as 10,000+ bytes.
 */
class ForwardHotPathAllocationTest {
    private static final int MESSAGES = 10_000;

    @Test
    void encodeSealDecodeAndIterateAllocateNothingPerMessage() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long[] clock = {GoldenMessages.TIMESTAMP};
        HandoffKeys keys = GoldenMessages.keys();
        ForwardEncoder encoder = new ForwardEncoder(new MessageSealer(() -> keys, MessageIdGenerator.withBootId(3), () -> clock[0]));
        MessageDecoder decoder = new MessageDecoder(() -> keys, new ReplayGuard(2_000, 500, 1 << 17), () -> clock[0]);
        byte[] buffer = new byte[HandoffProtocol.MAX_DATAGRAM_LENGTH];
        byte[] packet = new byte[1500];
        FlowIdentity flow = GoldenMessages.FLOW_V4;

        long checksum = run(encoder, decoder, buffer, packet, flow, clock, 3 * MESSAGES);
        long before = threads.getCurrentThreadAllocatedBytes();
        checksum += run(encoder, decoder, buffer, packet, flow, clock, MESSAGES);
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;

        assertTrue(checksum > 0);
        assertEquals(4L * MESSAGES, decoder.count(DecodeResult.ACCEPTED));
        assertTrue(allocated < 1024, "allocated " + allocated + " bytes over " + MESSAGES + " FORWARD round trips");
    }

    private static long run(ForwardEncoder encoder, MessageDecoder decoder, byte[] buffer, byte[] packet, FlowIdentity flow,
                            long[] clock, int messages) {
        long sum = 0;
        for (int i = 0; i < messages; i++) {
            clock[0]++;
            encoder.begin(buffer, 0, flow);
            for (int p = 0; p < 3; p++) {
                packet[0] = (byte) p;
                encoder.append(packet, 0, 40 + p * 500);
            }
            int length = encoder.seal();
            if (decoder.decode(buffer, 0, length) != DecodeResult.ACCEPTED || !decoder.forward().isFlow(flow)) {
                throw new AssertionError(decoder.describe());
            }
            for (ForwardPacketCursor c = decoder.forwardPackets(); c.next(); ) {
                sum += c.packetLength() + c.buffer()[c.packetOffset()];
            }
        }
        return sum;
    }
}
