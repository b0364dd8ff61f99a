package org.handoff.director.routing;

import static org.handoff.director.routing.Requests.config;
import static org.handoff.director.routing.Requests.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.handoff.config.HostPort;
import org.handoff.director.config.PoolMember;
import org.handoff.director.config.Server;
import org.handoff.director.http.ParsedRequest;
import org.junit.jupiter.api.Test;

/** Consistent hashing (stability, movement, balance, weights), least-loaded and weighted. */
class SelectionTest {
    static Server server(int i) {
        return new Server("origin" + i, HostPort.parse("198.18.0." + (10 + i) + ":7070"),
                HostPort.parse("198.18.0." + (10 + i) + ":80"));
    }

    static List<PoolMember> members(int n) {
        List<PoolMember> m = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            m.add(new PoolMember(server(i), 1));
        }
        return m;
    }

    static long key(int i) {
        return RendezvousSelector.urlKey("www.example.com", "/objects/" + i + ".bin", "");
    }

    static String serverLine(int i, int weight) {
        return "      - {name: origin" + i + ", agent: 198.18.0." + (10 + i) + ":7070, service: 198.18.0." + (10 + i)
                + ":80, weight: " + weight + "}\n";
    }

    static RoutingTable table(String selection, int[] order, int[] weights, LoadView load, RandomSource random) {
        StringBuilder sb = new StringBuilder("vips: [198.18.1.1:80]\npools:\n  p:\n    selection: " + selection + "\n    servers:\n");
        for (int k = 0; k < order.length; k++) {
            sb.append(serverLine(order[k], weights == null ? 1 : weights[k]));
        }
        sb.append("default-pool: p\n");
        return new RoutingTable(config(sb.toString()), load, random);
    }

    // ---- consistent hashing ----

    @Test
    void sameUrlSameServerAcrossCallsAndRebuilds() {
        RoutingTable t1 = table("consistent-hash", new int[] {1, 2, 3, 4}, null, LoadView.NONE, null);
        // rebuilt from a config listing the servers in another order: the same answers
        RoutingTable t2 = table("consistent-hash", new int[] {4, 2, 1, 3}, null, LoadView.NONE, null);
        for (int i = 0; i < 2000; i++) {
            ParsedRequest r = get("www.example.com", "/o/" + i + "?v=" + (i % 7));
            RouteDecision a = t1.route(r);
            assertEquals(a.candidates(), t1.route(r).candidates());
            assertEquals(a.candidates(), t2.route(r).candidates());
        }
        // the query and the host are part of the key; the normalised path is what counts
        assertEquals(t1.route(get("h", "/a/b")).chosen(), t1.route(get("H:8080", "/a/./b")).chosen());
    }

    @Test
    void pinnedValuesDoNotChangeBetweenReleases() {
        // murmur3_128 and the score are fixed: these keys must keep their servers forever,
        // or every cache behind the director is flushed by an upgrade.
        RendezvousSelector s = new RendezvousSelector(members(4));
        StringBuilder got = new StringBuilder();
        for (int i = 0; i < 12; i++) {
            got.append(s.first(key(i)).name().substring(6));
        }
        assertEquals(PINNED, got.toString());
    }

    static final String PINNED = "211314423124";

    @Test
    void addingAServerMovesAboutOneNthAndOnlyToIt() {
        int urls = 10_000;
        for (int n : new int[] {2, 4, 9}) {
            RendezvousSelector before = new RendezvousSelector(members(n));
            RendezvousSelector after = new RendezvousSelector(members(n + 1));
            Server added = server(n + 1);
            int moved = 0;
            for (int i = 0; i < urls; i++) {
                Server a = before.first(key(i));
                Server b = after.first(key(i));
                if (!a.equals(b)) {
                    moved++;
                    assertEquals(added, b, "a key moved to a server that was not added");
                }
            }
            double fraction = moved / (double) urls;
            double ideal = 1.0 / (n + 1);
            System.out.printf("rendezvous: %d -> %d servers, %d of %d URLs moved (%.4f; ideal %.4f)%n",
                    n, n + 1, moved, urls, fraction, ideal);
            assertTrue(Math.abs(fraction - ideal) < 0.02, "moved " + fraction + ", ideal " + ideal);
        }
    }

    @Test
    void removingAServerMovesOnlyItsKeysToTheirNextChoice() {
        RendezvousSelector five = new RendezvousSelector(members(5));
        List<PoolMember> without3 = new ArrayList<>(members(5));
        without3.remove(2);
        RendezvousSelector four = new RendezvousSelector(without3);
        int moved = 0;
        for (int i = 0; i < 10_000; i++) {
            List<Server> order = five.order(key(i));
            Server now = four.first(key(i));
            if (order.get(0).equals(server(3))) {
                moved++;
                assertEquals(order.get(1), now, "the failover order is where its keys go");
            } else {
                assertEquals(order.get(0), now);
            }
        }
        System.out.printf("rendezvous: 5 -> 4 servers, %d of 10000 URLs moved (ideal 2000)%n", moved);
        assertTrue(Math.abs(moved - 2000) < 200, "moved " + moved);
    }

    @Test
    void balanceOver100kUrls() {
        int urls = 100_000;
        int n = 5;
        RendezvousSelector s = new RendezvousSelector(members(n));
        Map<Server, Integer> count = new HashMap<>();
        for (int i = 0; i < urls; i++) {
            count.merge(s.first(key(i)), 1, Integer::sum);
        }
        double ideal = urls / (double) n;
        double worst = 0;
        for (int c : count.values()) {
            worst = Math.max(worst, Math.abs(c - ideal) / ideal);
        }
        System.out.printf("rendezvous: %d URLs over %d servers: %s, worst deviation %.2f%%%n",
                urls, n, count.values(), worst * 100);
        assertEquals(n, count.size());
        assertTrue(worst < 0.03, "worst deviation " + worst);
    }

    @Test
    void weightsSetTheShares() {
        List<PoolMember> m = List.of(new PoolMember(server(1), 1), new PoolMember(server(2), 2), new PoolMember(server(3), 5));
        RendezvousSelector s = new RendezvousSelector(m);
        int urls = 80_000;
        Map<Server, Integer> count = new HashMap<>();
        for (int i = 0; i < urls; i++) {
            count.merge(s.first(key(i)), 1, Integer::sum);
        }
        System.out.printf("rendezvous weights 1:2:5 over %d URLs: %d %d %d%n", urls,
                count.get(server(1)), count.get(server(2)), count.get(server(3)));
        assertShare(count.get(server(1)), urls, 1 / 8.0);
        assertShare(count.get(server(2)), urls, 2 / 8.0);
        assertShare(count.get(server(3)), urls, 5 / 8.0);
    }

    @Test
    void firstAndOrderAgree() {
        RendezvousSelector s = new RendezvousSelector(members(7));
        for (int i = 0; i < 1000; i++) {
            List<Server> order = s.order(key(i));
            assertEquals(order.get(0), s.first(key(i)));
            assertEquals(7, order.stream().distinct().count());
        }
    }

    static void assertShare(int count, int total, double expected) {
        double share = count / (double) total;
        assertTrue(Math.abs(share - expected) < 0.01, "share " + share + ", expected " + expected);
    }

    // ---- least-loaded ----

    @Test
    void leastLoadedPicksFewestFlowsTiesToPoolOrder() {
        LoadCounter load = new LoadCounter();
        RoutingTable t = table("least-loaded", new int[] {1, 2, 3}, null, load, null);
        ParsedRequest r = get("h", "/");
        assertEquals(List.of(server(1), server(2), server(3)), t.route(r).candidates());
        load.handedOff(server(1));
        assertEquals(List.of(server(2), server(3), server(1)), t.route(r).candidates());
        load.handedOff(server(2));
        load.handedOff(server(2));
        assertEquals(List.of(server(3), server(1), server(2)), t.route(r).candidates());
        load.closed(server(2));
        load.closed(server(2));
        assertEquals(List.of(server(2), server(3), server(1)), t.route(r).candidates());
        // a close with no open flow does not go below zero
        load.closed(server(3));
        load.closed(server(3));
        assertEquals(0, load.openFlows(server(3)));
        assertEquals(server(2), t.route(r).chosen());
    }

    @Test
    void leastLoadedSpreadsAsFlowsAreHandedOff() {
        LoadCounter load = new LoadCounter();
        RoutingTable t = table("least-loaded", new int[] {1, 2, 3}, new int[] {1, 1, 2}, load, null);
        for (int i = 0; i < 400; i++) {
            load.handedOff(t.route(get("h", "/" + i)).chosen());
        }
        // flows follow the weights: 100, 100, 200
        assertEquals(100, load.openFlows(server(1)));
        assertEquals(100, load.openFlows(server(2)));
        assertEquals(200, load.openFlows(server(3)));
    }

    @Test
    void aLaterRequestStaysWithAnyServerOfALoadSpreadingPoolButOnlyWithTheContentOwnerOfAHashedOne() {
        LoadCounter load = new LoadCounter();
        RoutingTable leastLoaded = table("least-loaded", new int[] {1, 2}, null, load, null);
        load.handedOff(server(1)); // the connection itself counts as origin1's load ...
        RouteDecision d = leastLoaded.route(get("h", "/"));
        assertEquals(server(2), d.chosen()); // ... so origin2 sorts first,
        assertTrue(d.keeps(server(1)), "yet the connection need not move: origin1 serves the pool as well");
        assertFalse(d.keeps(server(7)), "a server outside the pool does not");

        RoutingTable weighted = table("weighted", new int[] {1, 2}, null, LoadView.NONE, () -> 0.99);
        assertTrue(weighted.route(get("h", "/")).keeps(server(1)));
        assertTrue(weighted.route(get("h", "/")).keeps(server(2)));

        RoutingTable hashed = table("consistent-hash", new int[] {1, 2}, null, LoadView.NONE, null);
        RouteDecision h = hashed.route(get("h", "/objects/1.bin"));
        assertTrue(h.keeps(h.chosen()));
        assertFalse(h.keeps(h.candidates().get(1)), "the content lives on the first: a later request moves there");
    }

    // ---- weighted ----

    @Test
    void weightedProportions() {
        Random seeded = new Random(42);
        RoutingTable t = table("weighted", new int[] {1, 2, 3}, new int[] {1, 2, 3}, LoadView.NONE, seeded::nextDouble);
        int picks = 60_000;
        Map<Server, Integer> count = new HashMap<>();
        ParsedRequest r = get("h", "/same-url-every-time");
        for (int i = 0; i < picks; i++) {
            RouteDecision d = t.route(r);
            assertEquals(3, d.candidates().stream().distinct().count());
            count.merge(d.chosen(), 1, Integer::sum);
        }
        System.out.printf("weighted 1:2:3 over %d picks: %d %d %d%n", picks,
                count.get(server(1)), count.get(server(2)), count.get(server(3)));
        assertShare(count.get(server(1)), picks, 1 / 6.0);
        assertShare(count.get(server(2)), picks, 2 / 6.0);
        assertShare(count.get(server(3)), picks, 3 / 6.0);
    }

    @Test
    void weightedFollowsTheRandomSource() {
        double[] draws = {0.9, 0.1, 0.5};
        int[] next = {0};
        RoutingTable t = table("weighted", new int[] {1, 2, 3}, null, LoadView.NONE, () -> draws[next[0]++ % 3]);
        // u = 1 - draw: 0.1, 0.9, 0.5 -> -ln(u): 2.30, 0.105, 0.69 -> order 2, 3, 1
        assertEquals(List.of(server(2), server(3), server(1)), t.route(get("h", "/")).candidates());
        assertNotEquals(0, next[0]);
    }
}
