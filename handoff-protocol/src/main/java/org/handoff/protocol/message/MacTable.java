package org.handoff.protocol.message;

import java.util.function.Supplier;

/**
 * One {@link HmacSha256} per key of the current key ring, owned by one codec and so by one
 * thread. When the supplier returns a new ring (a reload), the table is rebuilt on the next use:
 * allocation happens at reload, never per message.
 */
final class MacTable {
    private final Supplier<HandoffKeys> keys;
    private HandoffKeys current;
    private HmacSha256[] macs = new HmacSha256[0];

    MacTable(Supplier<HandoffKeys> keys) {
        this.keys = keys;
        refresh();
    }

    /** Picks up a reloaded key ring; returns the ring now in use. */
    HandoffKeys refresh() {
        HandoffKeys latest = keys.get();
        if (latest == null) {
            throw new IllegalStateException("key supplier returned null (expected: a HandoffKeys)");
        }
        if (latest != current) {
            HmacSha256[] fresh = new HmacSha256[latest.size()];
            for (int i = 0; i < fresh.length; i++) {
                fresh[i] = new HmacSha256(latest.secret(i));
            }
            macs = fresh;
            current = latest;
        }
        return current;
    }

    /** The MAC for a key id, or null when the ring has no such key. */
    HmacSha256 forKeyId(long keyId) {
        int index = current.indexOf(keyId);
        return index < 0 ? null : macs[index];
    }
}
