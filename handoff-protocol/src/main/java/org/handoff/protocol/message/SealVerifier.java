package org.handoff.protocol.message;

import java.util.function.Supplier;

/**
 * Steps 6 and 7 of the receiver steps (docs/handoff-protocol.md section 6), key and MAC, for
 * sealed messages defined outside this protocol that reuse its header and its sealing
 * ({@link MessageSealer}): the directors' ownership gossip (docs/scale-out.md). The caller checks
 * the header's frame (magic, length, type) before and the timestamp window and duplicates
 * ({@link ReplayGuard}) after. Not thread-safe: one per receiving thread, as a decoder.
 * Allocates nothing per message (key reloads excepted).
 */
public final class SealVerifier {
    private final MacTable macs;
    private final MessageHeaderFlyweight header = new MessageHeaderFlyweight();

    /** @param keys the key ring; re-read on every check, so a reload takes effect at once */
    public SealVerifier(Supplier<HandoffKeys> keys) {
        this.macs = new MacTable(keys);
    }

    /**
     * Whether the datagram at {@code buffer[offset, offset+length)}, at least a header and a MAC
     * long, was sealed under a key of the ring: ACCEPTED, UNKNOWN_KEY or BAD_MAC.
     */
    public DecodeResult verify(byte[] buffer, int offset, int length) {
        if (length < HandoffProtocol.MIN_DATAGRAM_LENGTH || offset < 0 || offset > buffer.length - length) {
            throw new IllegalArgumentException("sealed datagram of " + length + " bytes at " + offset + " in " + buffer.length
                    + " (expected: at least " + HandoffProtocol.MIN_DATAGRAM_LENGTH + " bytes inside the buffer)");
        }
        macs.refresh();
        HmacSha256 mac = macs.forKeyId(header.wrap(buffer, offset).keyId());
        if (mac == null) {
            return DecodeResult.UNKNOWN_KEY;
        }
        int macOffset = length - HandoffProtocol.MAC_LENGTH;
        return mac.verify(buffer, offset, macOffset, buffer, offset + macOffset) ? DecodeResult.ACCEPTED : DecodeResult.BAD_MAC;
    }
}
