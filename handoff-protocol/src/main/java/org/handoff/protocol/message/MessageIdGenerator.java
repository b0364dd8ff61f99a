package org.handoff.protocol.message;

import java.security.SecureRandom;
import java.util.random.RandomGenerator;

/**
 * Message ids for one sender: a random 32-bit boot id in the high half and a counter in the low
 * half. The boot id keeps a restarted sender (whose counter starts again) and other senders out
 * of ids the receiver's replay window still remembers. Ids are never 0. When the counter wraps
 * (2^32 messages, hours at any realistic rate) a new boot id is drawn.
 *
 * <p>A retransmission reuses the id and the bytes of the original; only new messages take a new
 * id. Not thread-safe: each sending thread owns its generator.
 */
public final class MessageIdGenerator {
    private final RandomGenerator random;
    private int bootId;
    private int counter;

    public MessageIdGenerator() {
        this(new SecureRandom());
    }

    public MessageIdGenerator(RandomGenerator random) {
        this.random = random;
        this.bootId = drawBootId(0);
    }

    /** A generator with a fixed boot id, for tests and golden vectors. */
    public static MessageIdGenerator withBootId(int bootId) {
        if (bootId == 0) {
            throw new IllegalArgumentException("boot id 0 (expected: non-zero, so that ids are never 0)");
        }
        MessageIdGenerator g = new MessageIdGenerator(new SecureRandom());
        g.bootId = bootId;
        return g;
    }

    private int drawBootId(int previous) {
        int id;
        do {
            id = random.nextInt();
        } while (id == 0 || id == previous);
        return id;
    }

    public long next() {
        counter++;
        if (counter == 0) {
            bootId = drawBootId(bootId);
            counter = 1;
        }
        return ((long) bootId << 32) | (counter & 0xffff_ffffL);
    }

    /** Positions the counter so the next id has counter {@code counter + 1}; for wrap tests. */
    void skipTo(int counter) {
        this.counter = counter;
    }

    public int bootId() {
        return bootId;
    }
}
