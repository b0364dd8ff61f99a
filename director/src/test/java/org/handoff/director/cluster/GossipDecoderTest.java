package org.handoff.director.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.function.Consumer;
import org.handoff.protocol.message.DecodeResult;
import org.handoff.protocol.message.HandoffKeys;
import org.handoff.protocol.message.HandoffProtocol;
import org.handoff.protocol.message.ReplayGuard;
import org.handoff.protocol.wire.Bytes;
import org.junit.jupiter.api.Test;

/** One test per kind of bad gossip datagram: each is refused with its reason, before or after the MAC. */
class GossipDecoderTest {
    static final long NOW = 1_700_000_000_000L;
    static final HandoffKeys KEYS = HandoffKeys.of(1, 1, new byte[32]);
    static final long K0 = OwnershipTable.k0(0xCB007101, 0xC6120101);
    static final long K1 = OwnershipTable.k1(40000, 80);

    private static GossipDecoder decoder() {
        return new GossipDecoder(() -> KEYS, new ReplayGuard(5_000, 1_000, 1024), () -> NOW);
    }

    private static GossipEncoder encoder(int type) {
        return new GossipEncoder(type, GossipFormat.MAX_LIVE_RECORDS, 3, () -> KEYS, () -> NOW);
    }

    private static byte[] one(int kind, int agent, int agentPort, long token, int flags) {
        GossipEncoder e = encoder(GossipFormat.TYPE_GOSSIP);
        e.flow(kind, K0, K1, NOW << 16, 3, agent, agentPort, token, flags);
        return e.sealCopy();
    }

    /** Changes a sealed datagram and seals it again, so that only the body rule can refuse it. */
    private static byte[] resealed(byte[] d, Consumer<byte[]> change) {
        change.accept(d);
        new org.handoff.protocol.message.MessageSealer(() -> KEYS, new org.handoff.protocol.message.MessageIdGenerator(), () -> NOW)
                .seal(d, 0, d.length);
        return d;
    }

    @Test
    void aWellFormedDatagramIsReadBack() {
        GossipDecoder d = decoder();
        byte[] b = one(GossipFormat.KIND_HANDED_OFF, 0xC612000B, 7070, 0x55L, 0);
        assertEquals(GossipFormat.length(1), b.length);
        assertEquals(DecodeResult.ACCEPTED, d.decode(b, 0, b.length, GossipFormat.TYPE_GOSSIP));
        assertEquals(3, d.sender());
        assertEquals(1, d.records());
        assertEquals(K0, d.k0(0));
        assertEquals(K1, d.k1(0));
        assertEquals(0xC612000B, d.agentAddress(0));
        assertEquals(7070, d.agentPort(0));
        assertEquals(0x55L, d.token(0));
        assertEquals(DecodeResult.DUPLICATE, d.decode(b, 0, b.length, GossipFormat.TYPE_GOSSIP), "the same message id again");
    }

    @Test
    void frameKeyMacAndWindow() {
        byte[] good = one(GossipFormat.KIND_STARTED, 0, 0, 0, 0);
        assertEquals(DecodeResult.TRUNCATED, decoder().decode(good, 0, GossipFormat.EMPTY_LENGTH - 1, GossipFormat.TYPE_GOSSIP));
        assertEquals(DecodeResult.BAD_LENGTH, decoder().decode(good, 0, good.length - 1, GossipFormat.TYPE_GOSSIP));
        assertEquals(DecodeResult.UNKNOWN_TYPE, decoder().decode(good, 0, good.length, GossipFormat.TYPE_GOSSIP_STATE),
                "a live message is no state chunk, and no state chunk passes as live gossip");
        byte[] magic = good.clone();
        magic[0] = 0;
        assertEquals(DecodeResult.BAD_MAGIC, decoder().decode(magic, 0, magic.length, GossipFormat.TYPE_GOSSIP));
        byte[] flipped = good.clone();
        flipped[GossipFormat.FIRST_RECORD_OFFSET + GossipFormat.TOKEN_OFFSET] ^= 1;
        assertEquals(DecodeResult.BAD_MAC, decoder().decode(flipped, 0, flipped.length, GossipFormat.TYPE_GOSSIP));
        GossipEncoder other = new GossipEncoder(GossipFormat.TYPE_GOSSIP, 1, 3, () -> HandoffKeys.of(2, 2, new byte[32]), () -> NOW);
        other.flow(GossipFormat.KIND_STARTED, K0, K1, 1, 3, 0, 0, 0, 0);
        byte[] unknown = other.sealCopy();
        assertEquals(DecodeResult.UNKNOWN_KEY, decoder().decode(unknown, 0, unknown.length, GossipFormat.TYPE_GOSSIP));
        GossipEncoder late = new GossipEncoder(GossipFormat.TYPE_GOSSIP, 1, 3, () -> KEYS, () -> NOW - 6_001);
        late.flow(GossipFormat.KIND_STARTED, K0, K1, 1, 3, 0, 0, 0, 0);
        byte[] stale = late.sealCopy();
        assertEquals(DecodeResult.STALE, decoder().decode(stale, 0, stale.length, GossipFormat.TYPE_GOSSIP));
    }

    @Test
    void bodyRules() {
        int r = GossipFormat.FIRST_RECORD_OFFSET;
        assertEquals(DecodeResult.BAD_BODY, bad(one(GossipFormat.KIND_STARTED, 0, 0, 0, 0), b -> b[r] = 9), "unknown kind");
        assertEquals(DecodeResult.BAD_BODY, bad(one(GossipFormat.KIND_STARTED, 0, 0, 0, 0), b -> b[r + GossipFormat.FAMILY_OFFSET] = 6),
                "IPv6 is not in this version");
        assertEquals(DecodeResult.BAD_BODY, bad(one(GossipFormat.KIND_STARTED, 0, 0, 0, 0),
                b -> Bytes.putU16(b, r + GossipFormat.CLIENT_PORT_OFFSET, 0)), "port 0");
        assertEquals(DecodeResult.BAD_BODY, bad(one(GossipFormat.KIND_STARTED, 0, 0, 0, 0),
                b -> Bytes.putU16(b, r + GossipFormat.OWNER_OFFSET, 0)), "owner 0");
        assertEquals(DecodeResult.BAD_BODY, bad(one(GossipFormat.KIND_STARTED, 0, 0, 0, 0),
                b -> Bytes.putI64(b, r + GossipFormat.TOKEN_OFFSET, 1)), "a token on a STARTED");
        assertEquals(DecodeResult.BAD_BODY, bad(one(GossipFormat.KIND_HANDED_OFF, 1, 1, 1, 0),
                b -> Bytes.putI64(b, r + GossipFormat.TOKEN_OFFSET, 0)), "a HANDED_OFF without token");
        assertEquals(DecodeResult.BAD_BODY, bad(one(GossipFormat.KIND_HANDED_OFF, 1, 1, 1, 0),
                b -> Bytes.putU16(b, r + GossipFormat.FLAGS_OFFSET, GossipFormat.FLAG_ORPHANED)), "ORPHANED outside a state");
        assertEquals(DecodeResult.BAD_BODY, bad(one(GossipFormat.KIND_STARTED, 0, 0, 0, 0),
                b -> Bytes.putU16(b, GossipFormat.COUNT_OFFSET, 2)), "a count the length does not hold");
        assertEquals(DecodeResult.BAD_BODY, bad(one(GossipFormat.KIND_STARTED, 0, 0, 0, 0),
                b -> Bytes.putU16(b, GossipFormat.SENDER_OFFSET, 0)), "sender 0");
        GossipEncoder secret = encoder(GossipFormat.TYPE_GOSSIP);
        secret.secret(1, 3, 5, 1, 2, 3);
        assertEquals(DecodeResult.BAD_BODY, bad(secret.sealCopy(), b -> { }), "the previous secret travels in a state only");
    }

    private static DecodeResult bad(byte[] d, Consumer<byte[]> change) {
        byte[] b = resealed(d, change);
        return decoder().decode(b, 0, b.length, GossipFormat.TYPE_GOSSIP);
    }

    @Test
    void aStateChunkMayCarryOrphansAndThePreviousSecret() {
        GossipEncoder e = encoder(GossipFormat.TYPE_GOSSIP_STATE);
        e.secret(0, 3, 6, 2, 11, 12);
        e.secret(1, 3, 5, 1, 9, 10);
        e.flow(GossipFormat.KIND_HANDED_OFF, K0, K1, 5, 3, 1, 1, 1, GossipFormat.FLAG_ORPHANED);
        byte[] b = e.sealCopy();
        GossipDecoder d = decoder();
        assertEquals(DecodeResult.ACCEPTED, d.decode(b, 0, b.length, GossipFormat.TYPE_GOSSIP_STATE));
        assertEquals(3, d.records());
        assertEquals(5, d.secretId(1));
        assertEquals(GossipFormat.FLAG_ORPHANED, d.flags(2));
        assertEquals(DecodeResult.ACCEPTED, d.decode(b, 0, b.length, GossipFormat.TYPE_GOSSIP_STATE),
                "state chunks are not replay-checked by id (each join asks for its own state)");
        assertEquals(HandoffProtocol.HEADER_LENGTH, GossipFormat.SENDER_OFFSET);
    }
}
