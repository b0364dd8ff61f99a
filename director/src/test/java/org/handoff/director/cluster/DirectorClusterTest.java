package org.handoff.director.cluster;

import static org.handoff.director.cluster.ClusterFixture.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.handoff.protocol.message.DecodeResult;
import org.handoff.protocol.message.HandoffKeys;
import org.handoff.protocol.wire.Bytes;
import org.jgroups.protocols.DISCARD;
import org.jgroups.protocols.TP;
import org.jgroups.stack.ProtocolStack;
import org.jgroups.util.Util;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Directors' groups of three or four in one JVM (ClusterFixture: the production stack over TCP
 * on 127.0.0.x): announcements converge, a joiner gets the table and the secrets, a killed
 * director's flows before hand-off go and its handed-off flows stay, reordered versions and
 * forged or replayed gossip change nothing.
 */
class DirectorClusterTest {
    static final int VIP = Bytes.parseIpv4("198.18.1.1");
    static final int AGENT = Bytes.parseIpv4("198.18.0.11");
    static final long WAIT = 10_000;

    @TempDir
    Path dir;
    ClusterFixture fixture;

    @AfterEach
    void stop() {
        if (fixture != null) {
            fixture.close();
        }
    }

    static int client(int i) {
        return Bytes.parseIpv4("203.0.113.0") + i;
    }

    @Test
    void threeDirectorsConvergeOnEachOthersAnnouncements() throws Exception {
        fixture = new ClusterFixture(dir, 3);
        DirectorCluster a = fixture.start(0);
        DirectorCluster b = fixture.start(1);
        DirectorCluster c = fixture.start(2);
        await("a view of three", WAIT, () -> a.members().length == 3 && b.members().length == 3 && c.members().length == 3);
        assertTrue(a.isCoordinator() && !b.isCoordinator() && !c.isCoordinator(), "the first director coordinates");

        GossipAnnouncer announcer = a.announcer();
        announcer.started(client(1), 40001, VIP, 80);
        announcer.started(client(2), 40002, VIP, 80);
        assertEquals(2, announcer.pending(), "a duty cycle's announcements wait for its flush");
        assertEquals(2, announcer.flush(), "and travel in one message");
        await("b and c see a's two flows", WAIT, () -> b.owner(client(2), 40002, VIP, 80) == 1 && c.owner(client(2), 40002, VIP, 80) == 1);
        assertEquals(1, a.owner(client(1), 40001, VIP, 80), "the announcer's own table has it at once");

        announcer.handedOff(client(1), 40001, VIP, 80, AGENT, 7070, 0x1122334455667788L);
        announcer.flush();
        FlowOwnership seen = new FlowOwnership();
        await("c sees the hand-off", WAIT, () -> c.lookup(client(1), 40001, VIP, 80, seen) && seen.state() == FlowOwnership.State.HANDED_OFF);
        assertEquals(AGENT, seen.agentAddress());
        assertEquals(7070, seen.agentPort());
        assertEquals(0x1122334455667788L, seen.token());
        assertEquals(1, seen.owner());

        // Another director announces a flow of its own; the first ends one.
        GossipAnnouncer bAnnouncer = b.announcer();
        bAnnouncer.started(client(3), 40003, VIP, 80);
        bAnnouncer.flush();
        announcer.ended(client(2), 40002, VIP, 80);
        announcer.flush();
        await("everyone agrees", WAIT, () -> a.owner(client(3), 40003, VIP, 80) == 2 && c.owner(client(3), 40003, VIP, 80) == 2
                && b.owner(client(2), 40002, VIP, 80) == 0 && c.owner(client(2), 40002, VIP, 80) == 0);

        RecordingListener heard = new RecordingListener();
        assertTrue(c.poll(heard, 100) >= 5, "five flow events, and the members and secrets signals");
        assertEquals(5, heard.events.size(), heard.events.toString());
        assertEquals(List.of(
                "terminating 203.0.113.1:40001>198.18.1.1:80 owner=1",
                "terminating 203.0.113.2:40002>198.18.1.1:80 owner=1",
                "handed-off 203.0.113.1:40001>198.18.1.1:80 owner=1 agent=198.18.0.11:7070 token=1122334455667788"),
                heard.events.subList(0, 3), "one sender's messages, each awaited before the next");
        // Two senders' messages: either order.
        assertEquals(Set.of(
                "terminating 203.0.113.3:40003>198.18.1.1:80 owner=2",
                "ended 203.0.113.2:40002>198.18.1.1:80 ANNOUNCED was=TERMINATING owner=1"),
                Set.copyOf(heard.events.subList(3, 5)));
        assertArrayEquals(new int[] {1, 2, 3}, heard.members);
        assertNotNull(heard.secrets, "the coordinator's SYN-cookie secret reached c");
        assertEquals(a.synSecrets(), c.synSecrets());
        assertTrue(a.ready() && b.ready() && c.ready());
        RecordingListener aHeard = new RecordingListener();
        a.poll(aHeard, 100);
        assertEquals(List.of("terminating 203.0.113.3:40003>198.18.1.1:80 owner=2"), aHeard.events,
                "a director is not told of its own announcements");
        for (DirectorCluster d : List.of(a, b, c)) {
            for (DecodeResult r : DecodeResult.values()) {
                if (r != DecodeResult.ACCEPTED) {
                    assertEquals(0, d.metrics().rejectedCount(r), r + " at director " + d.directorId());
                }
            }
        }
    }

    @Test
    void aJoinerReceivesTheTableAndTheSecretsThenLiveAnnouncements() throws Exception {
        fixture = new ClusterFixture(dir, 3);
        DirectorCluster a = fixture.start(0);
        DirectorCluster b = fixture.start(1);
        GossipAnnouncer announceA = a.announcer();
        announceA.started(client(1), 40001, VIP, 80);
        announceA.started(client(2), 40002, VIP, 80);
        announceA.handedOff(client(2), 40002, VIP, 80, AGENT, 7070, 42L);
        announceA.started(client(4), 40004, VIP, 80);
        announceA.ended(client(4), 40004, VIP, 80);
        announceA.flush();
        GossipAnnouncer announceB = b.announcer();
        announceB.started(client(3), 40003, VIP, 80);
        announceB.flush();
        await("a has b's flow", WAIT, () -> a.owner(client(3), 40003, VIP, 80) == 2);
        assertNotNull(a.synSecrets());

        DirectorCluster c = fixture.start(2);
        assertTrue(c.ready(), "start returns with the table and the secrets");
        assertEquals(a.synSecrets(), c.synSecrets());
        assertEquals(1, c.owner(client(1), 40001, VIP, 80));
        assertEquals(2, c.owner(client(3), 40003, VIP, 80));
        assertEquals(0, c.owner(client(4), 40004, VIP, 80), "an ended flow stays ended");
        FlowOwnership f = new FlowOwnership();
        assertTrue(c.lookup(client(2), 40002, VIP, 80, f));
        assertEquals(FlowOwnership.State.HANDED_OFF, f.state());
        assertEquals(42L, f.token());
        assertTrue(c.metrics().stateBytes.count() > 0);
        assertEquals(1, c.metrics().stateTransfer.count());

        RecordingListener heard = new RecordingListener();
        c.poll(heard, 100);
        assertEquals(Set.of(
                "terminating 203.0.113.1:40001>198.18.1.1:80 owner=1",
                "handed-off 203.0.113.2:40002>198.18.1.1:80 owner=1 agent=198.18.0.11:7070 token=2a",
                "terminating 203.0.113.3:40003>198.18.1.1:80 owner=2"), Set.copyOf(heard.events),
                "the joiner's listener hears the whole table once");
        assertEquals(a.synSecrets(), heard.secrets);

        announceB.ended(client(3), 40003, VIP, 80);
        announceB.flush();
        await("live announcements after the state", WAIT, () -> c.owner(client(3), 40003, VIP, 80) == 0);
    }

    @Test
    void aKilledDirectorsFlowsBeforeHandOffGoAndItsHandedOffFlowsStayUntilTheyExpire() throws Exception {
        fixture = new ClusterFixture(dir, 3);
        String expiry = "  orphan-expiry: 2s";
        DirectorCluster a = fixture.start(0, expiry);
        DirectorCluster b = fixture.start(1, expiry);
        DirectorCluster c = fixture.start(2, expiry);
        GossipAnnouncer announceB = b.announcer();
        announceB.started(client(2), 40002, VIP, 80);
        announceB.started(client(3), 40003, VIP, 80);
        announceB.handedOff(client(3), 40003, VIP, 80, AGENT, 7070, 7L);
        announceB.flush();
        FlowOwnership f = new FlowOwnership();
        await("a and c have b's flows", WAIT, () -> a.lookup(client(3), 40003, VIP, 80, f) && f.state() == FlowOwnership.State.HANDED_OFF
                && c.lookup(client(3), 40003, VIP, 80, f) && f.state() == FlowOwnership.State.HANDED_OFF
                && c.owner(client(2), 40002, VIP, 80) == 2);
        a.poll(new RecordingListener(), 100);

        Util.shutdown(b.channel()); // a crash: sockets closed, no leave message
        long killed = System.nanoTime();
        await("a and c exclude b", WAIT, () -> a.members().length == 2 && c.members().length == 2);
        long excludedMillis = (System.nanoTime() - killed) / 1_000_000;
        for (DirectorCluster d : List.of(a, c)) {
            assertEquals(0, d.owner(client(2), 40002, VIP, 80), "b's TCP state died with it: director " + d.directorId());
            assertTrue(d.lookup(client(3), 40003, VIP, 80, f), "its agent still serves the handed-off flow");
            assertEquals(AGENT, f.agentAddress());
            assertEquals(1, d.metrics().droppedOwnerLeft.count());
        }
        RecordingListener heard = new RecordingListener();
        a.poll(heard, 100);
        assertEquals(List.of("ended 203.0.113.2:40002>198.18.1.1:80 OWNER_LEFT was=TERMINATING owner=2"), heard.events,
                "excluded in " + excludedMillis + " ms");

        await("the orphan expires", WAIT, () -> a.owner(client(3), 40003, VIP, 80) == 0);
        a.poll(heard, 100);
        assertEquals("ended 203.0.113.3:40003>198.18.1.1:80 ORPHAN_EXPIRED was=HANDED_OFF owner=2", heard.events.get(1));
        assertEquals(1, a.metrics().orphansExpired.count());
    }

    /**
     * A partition (each side's messages to the other dropped by a DISCARD layer) and its healing:
     * what a director announced while split reaches the other side once the group merges, since
     * each director announces its own entries again at the MergeView.
     */
    @Test
    void afterAPartitionHealsEachDirectorAnnouncesItsOwnEntriesAgain() throws Exception {
        fixture = new ClusterFixture(dir, 2);
        DirectorCluster a = fixture.start(0);
        DirectorCluster b = fixture.start(1);
        await("a view of two", WAIT, () -> a.members().length == 2 && b.members().length == 2);
        DISCARD[] discards = new DISCARD[2];
        DirectorCluster[] both = {a, b};
        for (int i = 0; i < 2; i++) {
            discards[i] = new DISCARD();
            discards[i].addIgnoreMember(both[1 - i].channel().getAddress());
            both[i].channel().getProtocolStack().insertProtocol(discards[i], ProtocolStack.Position.ABOVE, TP.class);
        }
        await("split", 30_000, () -> a.members().length == 1 && b.members().length == 1);

        GossipAnnouncer announcer = b.announcer();
        announcer.started(client(7), 40007, VIP, 80);
        announcer.handedOff(client(7), 40007, VIP, 80, AGENT, 7070, 9L);
        announcer.flush();
        Thread.sleep(300);
        assertEquals(0, a.owner(client(7), 40007, VIP, 80), "not across the partition");

        for (int i = 0; i < 2; i++) {
            discards[i].resetIgnoredMembers();
            discards[i].discardAll(false);
        }
        await("merged", 60_000, () -> a.members().length == 2 && b.members().length == 2);
        FlowOwnership f = new FlowOwnership();
        await("b's flow at a", 3 * WAIT, () -> a.lookup(client(7), 40007, VIP, 80, f) && f.state() == FlowOwnership.State.HANDED_OFF);
        assertEquals(9L, f.token());
        assertTrue(b.metrics().merges.count() >= 1 && b.metrics().reannounced.count() >= 1);
    }

    @Test
    void reorderedAnnouncementsApplyOnlyWhenNewer() throws Exception {
        fixture = new ClusterFixture(dir, 2);
        DirectorCluster a = fixture.start(0);
        DirectorCluster b = fixture.start(1);
        await("a view of two", WAIT, () -> a.members().length == 2 && b.members().length == 2);
        HandoffKeys keys = ClusterFixture.gossipKeys();
        GossipEncoder e = new GossipEncoder(GossipFormat.TYPE_GOSSIP, 4, 1, () -> keys, System::currentTimeMillis);
        long k0 = OwnershipTable.k0(client(5), VIP);
        long k1 = OwnershipTable.k1(40005, 80);
        long v = System.currentTimeMillis() << 16;
        // HANDED_OFF overtakes its STARTED, as OOB delivery allows. (One message holds both, in
        // that order: two messages could be delivered either way round, OOB.)
        e.flow(GossipFormat.KIND_HANDED_OFF, k0, k1, v + 2, 1, AGENT, 7070, 99L, 0);
        e.flow(GossipFormat.KIND_STARTED, k0, k1, v + 1, 1, 0, 0, 0, 0);
        a.sendRaw(e.sealCopy());
        await("b counts the late STARTED stale", WAIT, () -> b.metrics().stale.count() == 1);
        FlowOwnership f = new FlowOwnership();
        assertTrue(b.lookup(client(5), 40005, VIP, 80, f));
        assertEquals(FlowOwnership.State.HANDED_OFF, f.state(), "the older STARTED did not undo the hand-off");
        // ENDED overtakes a HANDED_OFF of a RECALL's second hand-off: the tombstone keeps it ended.
        e.flow(GossipFormat.KIND_ENDED, k0, k1, v + 4, 1, 0, 0, 0, 0);
        e.flow(GossipFormat.KIND_HANDED_OFF, k0, k1, v + 3, 1, AGENT, 7071, 100L, 0);
        a.sendRaw(e.sealCopy());
        await("b counts the late HANDED_OFF stale", WAIT, () -> b.metrics().stale.count() == 2);
        assertEquals(0, b.owner(client(5), 40005, VIP, 80));
        assertEquals(2, b.metrics().applied.count());
        RecordingListener heard = new RecordingListener();
        b.poll(heard, 100);
        assertEquals(List.of(
                "handed-off 203.0.113.5:40005>198.18.1.1:80 owner=1 agent=198.18.0.11:7070 token=63",
                "ended 203.0.113.5:40005>198.18.1.1:80 ANNOUNCED was=HANDED_OFF owner=1"), heard.events);
    }

    @Test
    void forgedReplayedAndStaleGossipChangesNothingAndIsCounted() throws Exception {
        fixture = new ClusterFixture(dir, 2);
        DirectorCluster a = fixture.start(0);
        DirectorCluster b = fixture.start(1);
        await("a view of two", WAIT, () -> a.members().length == 2 && b.members().length == 2);
        long k0 = OwnershipTable.k0(client(6), VIP);
        long k1 = OwnershipTable.k1(40006, 80);
        long v = System.currentTimeMillis() << 16;

        HandoffKeys otherSecret = HandoffKeys.of(1, 1, new byte[32]);
        GossipEncoder forger = new GossipEncoder(GossipFormat.TYPE_GOSSIP, 1, 1, () -> otherSecret, System::currentTimeMillis);
        forger.flow(GossipFormat.KIND_STARTED, k0, k1, v, 1, 0, 0, 0, 0);
        a.sendRaw(forger.sealCopy());
        HandoffKeys otherKeyId = HandoffKeys.of(7, 7, new byte[32]);
        GossipEncoder unknown = new GossipEncoder(GossipFormat.TYPE_GOSSIP, 1, 1, () -> otherKeyId, System::currentTimeMillis);
        unknown.flow(GossipFormat.KIND_STARTED, k0, k1, v, 1, 0, 0, 0, 0);
        a.sendRaw(unknown.sealCopy());
        HandoffKeys keys = ClusterFixture.gossipKeys();
        GossipEncoder old = new GossipEncoder(GossipFormat.TYPE_GOSSIP, 1, 1, () -> keys, () -> System.currentTimeMillis() - 60_000);
        old.flow(GossipFormat.KIND_STARTED, k0, k1, v, 1, 0, 0, 0, 0);
        a.sendRaw(old.sealCopy());
        await("b refuses all three", WAIT, () -> b.metrics().rejectedCount(DecodeResult.BAD_MAC) == 1
                && b.metrics().rejectedCount(DecodeResult.UNKNOWN_KEY) == 1 && b.metrics().rejectedCount(DecodeResult.STALE) == 1);
        assertEquals(0, b.owner(client(6), 40006, VIP, 80), "nothing forged or stale reached the table");

        GossipEncoder genuine = new GossipEncoder(GossipFormat.TYPE_GOSSIP, 1, 1, () -> keys, System::currentTimeMillis);
        genuine.flow(GossipFormat.KIND_STARTED, k0, k1, v, 1, 0, 0, 0, 0);
        byte[] captured = genuine.sealCopy();
        a.sendRaw(captured);
        await("the genuine one applies", WAIT, () -> b.owner(client(6), 40006, VIP, 80) == 1);
        // The flow ends through a's own announcer; then the captured STARTED comes again.
        GossipAnnouncer announcer = a.announcer();
        announcer.ended(client(6), 40006, VIP, 80);
        announcer.flush();
        await("ended", WAIT, () -> b.owner(client(6), 40006, VIP, 80) == 0);
        a.sendRaw(captured.clone());
        await("b refuses the replay", WAIT, () -> b.metrics().rejectedCount(DecodeResult.DUPLICATE) == 1);
        assertEquals(0, b.owner(client(6), 40006, VIP, 80), "the replayed STARTED did not bring the flow back");

        byte[] flipped = genuine.sealCopy(); // no records: an empty, well-sealed message
        flipped[GossipFormat.COUNT_OFFSET + 1] = 1; // claims a record the length does not hold, MAC now wrong too
        a.sendRaw(flipped);
        await("b refuses the tampered one", WAIT, () -> b.metrics().rejectedCount(DecodeResult.BAD_MAC) == 2);
    }
}
