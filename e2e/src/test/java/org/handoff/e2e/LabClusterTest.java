package org.handoff.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.handoff.host.CommandResult;
import org.handoff.host.RunningCommand;
import org.handoff.lab.LabTopology;
import org.handoff.lab.LabTopology.Director;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * Three directors in one cluster behind the lab's router ({@code handoff lab up --directors 3}
 * gives each a {@code cluster} section, docs/scale-out.md): a flow any director handed off is
 * forwarded by every director, so when one is killed (SIGKILL) in the middle of 20 concurrent
 * rate-limited downloads and the router moves its clients to the others, every download still
 * completes byte-exact. Started again, the director receives the table (the flows handed off
 * meanwhile are written into its kernel map) and takes new flows.
 */
@Tag("netns")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LabClusterTest {
    private static final String FILE = "/cluster/file.bin";
    private static final String SMALL_FILE = "/cluster/small.bin";
    private static final long SMALL_SIZE = 64 << 10;
    /** 20 MB at 2 MB/s: each download lasts ~10 s, long enough to kill a director in the middle of all of them. */
    private static final long SIZE = 20L << 20;
    private static final String RATE = "2M";
    private static final int DOWNLOADS = 20;
    private static final Duration DOWNLOAD_LIMIT = Duration.ofSeconds(120);
    private static final long KILL_AFTER_MILLIS = 4_000;
    private static final int REQUESTS_AFTER_RESTART = 60;
    private static Lab lab;
    private static String sha;
    private static String smallSha;

    @BeforeAll
    static void up() throws Exception {
        lab = Lab.up("cluster", new LabTopology.Shape(3, true));
        sha = lab.content(FILE.substring(1), SIZE);
        smallSha = lab.content(SMALL_FILE.substring(1), SMALL_SIZE);
    }

    @AfterAll
    static void down() throws Exception {
        Lab.tearDown(lab, null);
    }

    /** Every director's HANDOFFs acknowledged by an agent, summed over the origins, by director. */
    private static Map<Director, Double> handedOff() {
        return handedOff(lab.topology.directors());
    }

    /** The same, of {@code directors} (running ones: a killed director has no metrics). */
    private static Map<Director, Double> handedOff(List<Director> directors) {
        return lab.handoffsAcked(directors);
    }

    /** {@code count} rate-limited downloads of the file at once, each on its own connection, in the background. */
    private static RunningCommand downloads(int count) {
        return Lab.start(lab.client(), "bash", "-c", "for i in $(seq " + count + "); do (curl -sS --max-time "
                + DOWNLOAD_LIMIT.minusSeconds(10).toSeconds() + " --limit-rate " + RATE + " " + lab.url(FILE)
                + " | sha256sum | cut -d' ' -f1) & done; wait");
    }

    private static void allByteExact(RunningCommand downloads, int count) {
        CommandResult r = downloads.await(DOWNLOAD_LIMIT);
        assertTrue(r.ok(), r.describe());
        List<String> sums = r.stdout().lines().toList();
        assertEquals(count, sums.size(), r.describe());
        assertEquals(count, sums.stream().filter(sha::equals).count(), "downloads byte-exact: " + r.describe());
    }

    private static double clusterCounter(Director d, String series) {
        return lab.directorCounter(d, series);
    }

    /**
     * Each running director's view of the group and its log's view changes: a group split while
     * flows were announced leaves their announcements on one side (docs/scale-out.md).
     */
    private static void printGroup(String when, List<Director> running) throws java.io.IOException {
        for (Director d : running) {
            List<String> views = java.nio.file.Files.readAllLines(d.log()).stream()
                    .filter(l -> l.contains(" view ") || l.contains(" left:") || l.contains("partition")).toList();
            System.err.println("e2e: " + when + ", " + d.name() + " sees " + (long) clusterCounter(d,
                    "handoff_director_cluster_members") + " members; its last view changes: "
                    + views.subList(Math.max(0, views.size() - 4), views.size()));
        }
    }

    @Test
    @Order(1)
    @Timeout(300)
    void everyDownloadCompletesByteExactWhenADirectorIsKilledInTheMiddle() throws Exception {
        Director second = lab.topology.director(2);
        printGroup("before the downloads", lab.topology.directors());
        Map<Director, Double> before = handedOff();
        RunningCommand running = downloads(DOWNLOADS);
        Thread.sleep(KILL_AFTER_MILLIS);
        Map<Director, Double> atKill = handedOff();
        double secondsFlows = atKill.get(second) - before.get(second);
        for (Director d : lab.topology.directors()) {
            System.err.println("e2e: at the kill, " + d.name() + " had handed off " + (long) (atKill.get(d) - before.get(d)) + " of the "
                    + DOWNLOADS + " downloads");
        }
        assertTrue(secondsFlows > 0, "director2 holds some of the " + DOWNLOADS + " downloads when it is killed");
        double total = 0;
        for (Director d : lab.topology.directors()) {
            total += atKill.get(d) - before.get(d);
        }
        assertEquals(DOWNLOADS, total, "every download handed off once, by one director, before the kill");
        CommandResult kill = lab.lab(Duration.ofSeconds(60), "kill-director", "2");
        assertTrue(kill.ok(), kill.describe());
        List<Director> survivors = List.of(lab.topology.director(1), lab.topology.director(3));
        printGroup("after the kill", survivors);
        for (Director d : survivors) {
            System.err.println("e2e: " + d.name() + " learnt " + (long) clusterCounter(d,
                    "handoff_director_cluster_events_total{event=\"handed_off\"}") + " other directors' hand-offs, wrote "
                    + (long) clusterCounter(d, "handoff_director_cluster_kernel_entries_total{event=\"written\"}")
                    + " kernel entries for them, " + (long) clusterCounter(d,
                    "handoff_director_cluster_kernel_entries_total{event=\"unwritten\"}") + " not written (no next hop: user path)");
        }

        allByteExact(running, DOWNLOADS);
        double tunnelled = 0;
        for (Director d : survivors) {
            double learnt = clusterCounter(d, "handoff_director_cluster_events_total{event=\"handed_off\"}");
            assertTrue(learnt >= secondsFlows, d.name() + " learnt each of director2's hand-offs: " + learnt);
            tunnelled += clusterCounter(d, "handoff_director_xdp_packets_total{outcome=\"tunnelled\"}")
                    + clusterCounter(d, "handoff_director_cluster_packets_total{outcome=\"tunnelled\"}");
            System.err.println("e2e: " + d.name() + " user path: " + (long) clusterCounter(d,
                    "handoff_director_cluster_packets_total{outcome=\"tunnelled\"}") + " packets of other directors' flows tunnelled");
        }
        assertTrue(tunnelled > 0, "the survivors tunnel");
    }

    @Test
    @Order(2)
    @Timeout(300)
    void aRestartedDirectorReceivesTheTableAndTakesNewFlows() {
        Director second = lab.topology.director(2);
        List<Director> survivors = List.of(lab.topology.director(1), lab.topology.director(3));
        double handedBefore = sum(handedOff(survivors));
        RunningCommand running = downloads(6);
        awaitHandedOff(survivors, handedBefore + 6);
        CommandResult start = lab.lab(Duration.ofSeconds(120), "start-director", "2");
        assertTrue(start.ok(), start.describe());
        double learnt = clusterCounter(second, "handoff_director_cluster_events_total{event=\"handed_off\"}");
        assertTrue(learnt >= 6, "director2 received the table with the running downloads' flows: " + learnt);
        assertTrue(clusterCounter(second, "handoff_director_cluster_kernel_entries_total{event=\"written\"}") >= 6,
                "and wrote them into its kernel map");
        allByteExact(running, 6);

        double before = handedOff().get(second);
        CommandResult r = Lab.nsBash(lab.client(), Duration.ofSeconds(REQUESTS_AFTER_RESTART * 5L + 30), "for i in $(seq "
                + REQUESTS_AFTER_RESTART + "); do curl -sS --max-time 5 " + lab.url(SMALL_FILE)
                + " | sha256sum | cut -d' ' -f1; done");
        assertTrue(r.ok(), r.describe());
        assertEquals(REQUESTS_AFTER_RESTART, r.stdout().lines().filter(smallSha::equals).count(), "byte-exact: " + r.describe());
        assertTrue(handedOff().get(second) - before > 0, "the restarted director takes new flows");
    }

    private static double sum(Map<Director, Double> byDirector) {
        return byDirector.values().stream().mapToDouble(Double::doubleValue).sum();
    }

    /** Until {@code directors} (the running ones) have handed off {@code target} flows in all. */
    private static void awaitHandedOff(List<Director> directors, double target) {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (sum(handedOff(directors)) < target) {
            assertTrue(System.nanoTime() < deadline, "the downloads were not handed off within 30 s");
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    /**
     * Wrong-director packets: 20 requests whose head arrives in two parts 4 s apart, each its own
     * connection. After 2 s director3 is killed; the router's hash then moves part of director2's
     * hash range to director1 (a hash-threshold route: removing the last next hop moves about a
     * quarter of the survivors' flows), so the second part of some of director2's requests reaches
     * director1, which sends it to director2's peer port, where the request completes. The
     * requests director3 terminated die with it (each survivor drops them from its table and counts
     * them); every other one is answered byte-exact.
     */
    @Test
    @Order(3)
    @Timeout(300)
    void aRequestWhoseEndReachesAnotherDirectorIsCompletedByItsOwner() throws Exception {
        Director first = lab.topology.director(1);
        Director second = lab.topology.director(2);
        String queued = "handoff_director_cluster_peer_datagrams_total{outcome=\"queued\"}";
        String dropped = "handoff_director_cluster_flows_dropped_total{cause=\"owner_left\"}";
        double queuedBefore = clusterCounter(first, queued) + clusterCounter(second, queued);
        double droppedBefore = clusterCounter(first, dropped);
        String vip = lab.topology.vipAddress();
        RunningCommand slow = Lab.start(lab.client(), "bash", "-c", "for i in $(seq " + DOWNLOADS + "); do ( timeout 20 bash -c '"
                + "exec 3<>/dev/tcp/" + vip + "/80; printf \"GET " + SMALL_FILE + " HTTP/1.1\\r\\nHost: lab\\r\\n\" >&3; sleep 4;"
                + " printf \"Connection: close\\r\\n\\r\\n\" >&3; tail -c " + SMALL_SIZE + " <&3' | sha256sum | cut -d' ' -f1 ) & done; wait");
        Thread.sleep(2_000);
        CommandResult kill = lab.lab(Duration.ofSeconds(60), "kill-director", "3");
        assertTrue(kill.ok(), kill.describe());
        CommandResult r = slow.await(Duration.ofSeconds(60));
        assertTrue(r.ok(), r.describe());
        List<String> sums = r.stdout().lines().toList();
        assertEquals(DOWNLOADS, sums.size(), r.describe());
        long exact = sums.stream().filter(smallSha::equals).count();
        double lost = clusterCounter(first, dropped) - droppedBefore;
        double relayed = clusterCounter(first, queued) + clusterCounter(second, queued) - queuedBefore;
        System.err.println("e2e: " + exact + " of " + DOWNLOADS + " split requests answered byte-exact; director3 took " + (long) lost
                + " with it; " + (long) relayed + " packets reached their owner through its peer port");
        assertEquals(DOWNLOADS - (long) lost, exact, "every request but director3's is answered byte-exact: " + r.describe());
        assertTrue(relayed > 0, "some requests' second part went through another director to their owner");
        CommandResult start = lab.lab(Duration.ofSeconds(120), "start-director", "3");
        assertTrue(start.ok(), start.describe());
    }
}
