package org.handoff.protocol.testing;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.handoff.protocol.wire.Bytes;
import org.handoff.protocol.wire.TcpOptions;

/**
 * IPv4/TCP packets with random option layouts: options in any order, NOP runs that put
 * timestamps and SACK blocks at odd offsets, unknown options, EOL padding. Real stacks only
 * emit a few layouts; the transform must handle every legal one.
 */
public final class RandomTcpPackets {
    private final Random random;

    public RandomTcpPackets(Random random) {
        this.random = random;
    }

    /** What went into a generated packet, for the test's expectations. */
    public static final class Spec {
        public int source;
        public int destination;
        public int sourcePort;
        public int destinationPort;
        public int seq;
        public int ack;
        public int flags;
        public int window;
        public boolean timestamps;
        public int tsVal;
        public int tsEcr;
        public int[] sackEdges = new int[0];
        public int payloadLength;
    }

    /**
     * Builds a packet with the given fields and random options/payload; the option set always
     * includes timestamps when {@code spec.timestamps}, and SACK blocks when given.
     */
    public byte[] build(Spec spec) {
        byte[] options = options(spec);
        byte[] payload = new byte[spec.payloadLength];
        random.nextBytes(payload);
        return PacketBuilder.tcp().from(spec.source, spec.sourcePort).to(spec.destination, spec.destinationPort)
                .id(random.nextInt(0x10000)).seq(spec.seq).ack(spec.ack).flags(spec.flags).window(spec.window)
                .rawOptions(options).payload(payload).build();
    }

    private byte[] options(Spec spec) {
        List<byte[]> parts = new ArrayList<>();
        if (spec.timestamps) {
            byte[] ts = new byte[10];
            ts[0] = TcpOptions.KIND_TIMESTAMPS;
            ts[1] = 10;
            Bytes.putI32(ts, 2, spec.tsVal);
            Bytes.putI32(ts, 6, spec.tsEcr);
            parts.add(ts);
        }
        if (spec.sackEdges.length > 0) {
            byte[] sack = new byte[2 + 4 * spec.sackEdges.length];
            sack[0] = TcpOptions.KIND_SACK;
            sack[1] = (byte) sack.length;
            for (int i = 0; i < spec.sackEdges.length; i++) {
                Bytes.putI32(sack, 2 + 4 * i, spec.sackEdges[i]);
            }
            parts.add(sack);
        }
        int used = parts.stream().mapToInt(p -> p.length).sum();
        if (random.nextBoolean() && used + 4 <= 40) {
            byte[] unknown = new byte[2 + random.nextInt(Math.min(5, 40 - used - 2) + 1)];
            unknown[0] = (byte) (30 + random.nextInt(200)); // kinds no stack here interprets
            unknown[1] = (byte) unknown.length;
            for (int i = 2; i < unknown.length; i++) {
                unknown[i] = (byte) random.nextInt();
            }
            parts.add(unknown);
            used += unknown.length;
        }
        Collections.shuffle(parts, random);
        byte[] out = new byte[40];
        int i = 0;
        int room = 40 - used;
        for (byte[] p : parts) {
            int nops = room > 0 ? random.nextInt(Math.min(room, 3) + 1) : 0;
            room -= nops;
            for (int k = 0; k < nops; k++) {
                out[i++] = TcpOptions.KIND_NOP;
            }
            System.arraycopy(p, 0, out, i, p.length);
            i += p.length;
        }
        int padded = (i + 3) & ~3;
        // The pad is EOL (zero) bytes, already zero in out.
        byte[] result = new byte[padded];
        System.arraycopy(out, 0, result, 0, padded);
        return result;
    }
}
