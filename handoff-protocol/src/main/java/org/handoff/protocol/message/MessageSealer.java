package org.handoff.protocol.message;

import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Finishes an encoded datagram: writes message id, key id and sender timestamp into the header
 * and the HMAC-SHA256 after the body. Shared by {@link MessageEncoder} and {@link ForwardEncoder}.
 * Not thread-safe: one per sending thread. Allocates nothing per message (key reloads excepted).
 */
public final class MessageSealer {
    private final MacTable macs;
    private final MessageIdGenerator ids;
    private final LongSupplier clockMillis;
    private final MessageHeaderFlyweight header = new MessageHeaderFlyweight();

    /**
     * @param keys        the current key ring; re-read on every seal, so a reload takes effect at once
     * @param ids         this sender's id generator
     * @param clockMillis Unix epoch milliseconds ({@code System::currentTimeMillis} in production)
     */
    public MessageSealer(Supplier<HandoffKeys> keys, MessageIdGenerator ids, LongSupplier clockMillis) {
        this.macs = new MacTable(keys);
        this.ids = ids;
        this.clockMillis = clockMillis;
    }

    /**
     * Seals the datagram at {@code buffer[offset, offset+length)} whose fixed header fields and
     * body are written: a new message id, the sending key, now. Returns the message id.
     */
    public long seal(byte[] buffer, int offset, int length) {
        HandoffKeys keys = macs.refresh();
        long id = ids.next();
        seal(buffer, offset, length, id, keys.sendingKeyId(), clockMillis.getAsLong());
        return id;
    }

    /**
     * Seals with given header values: golden vectors, and tools that re-encode a decoded message.
     * Throws IllegalArgumentException if the key ring has no such key.
     */
    public void seal(byte[] buffer, int offset, int length, long messageId, long keyId, long timestampMillis) {
        macs.refresh();
        HmacSha256 mac = macs.forKeyId(keyId);
        if (mac == null) {
            throw new IllegalArgumentException("key-id=" + keyId + " (expected: a key in the ring)");
        }
        header.wrap(buffer, offset).messageId(messageId).keyId(keyId).timestampMillis(timestampMillis);
        int macOffset = length - HandoffProtocol.MAC_LENGTH;
        mac.compute(buffer, offset, macOffset, buffer, offset + macOffset);
    }

    public LongSupplier clock() {
        return clockMillis;
    }
}
