package org.handoff.director.cluster;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.handoff.protocol.message.DecodeResult;

/**
 * The group's metrics, registered in the director's registry ({@code handoff_director_cluster_*},
 * {@code handoff_director_gossip_*}). Updated on JGroups' and the announcers' threads; Micrometer's
 * counters are thread-safe, and none of this is on the packet path but {@link #sent}.
 */
final class ClusterMetrics {
    final Counter announcementsSent;
    final Counter messagesSent;
    final Counter sendFailures;
    final Counter applied;
    final Counter stale;
    final Counter droppedOwnerLeft;
    final Counter orphansExpired;
    final Counter merges;
    final Counter reannounced;
    final Counter stateBytes;
    final Timer stateTransfer;
    final Timer delay;
    private final Counter[] rejected = new Counter[DecodeResult.values().length];

    ClusterMetrics(MeterRegistry registry, DirectorCluster cluster) {
        announcementsSent = Counter.builder("handoff_director_gossip_announcements_sent")
                .description("ownership announcements this director sent (STARTED, HANDED_OFF, ENDED, SECRET)").register(registry);
        messagesSent = Counter.builder("handoff_director_gossip_messages_sent")
                .description("gossip messages sent (several announcements of one duty cycle travel in one)").register(registry);
        sendFailures = Counter.builder("handoff_director_gossip_send_failures")
                .description("gossip messages the channel refused (not connected, closing)").register(registry);
        applied = Counter.builder("handoff_director_gossip_announcements_applied")
                .description("other directors' announcements that changed the table").register(registry);
        stale = Counter.builder("handoff_director_gossip_announcements_stale")
                .description("announcements not newer than the table's entry (reordered, or replayed state): ignored")
                .register(registry);
        for (DecodeResult r : DecodeResult.values()) {
            if (r != DecodeResult.ACCEPTED) {
                rejected[r.ordinal()] = Counter.builder("handoff_director_gossip_rejected")
                        .tag("reason", r.name().toLowerCase(Locale.ROOT))
                        .description("gossip messages refused: bad MAC, unknown key, replayed (duplicate), stale, malformed")
                        .register(registry);
            }
        }
        droppedOwnerLeft = Counter.builder("handoff_director_cluster_flows_dropped").tag("cause", "owner_left")
                .description("flows removed from the table without an ENDED").register(registry);
        orphansExpired = Counter.builder("handoff_director_cluster_flows_dropped").tag("cause", "orphan_expired")
                .description("flows removed from the table without an ENDED").register(registry);
        merges = Counter.builder("handoff_director_cluster_merges")
                .description("partitions healed (MergeView): each director then announces its own entries again").register(registry);
        reannounced = Counter.builder("handoff_director_cluster_reannounced")
                .description("own entries announced again after a partition healed").register(registry);
        stateBytes = Counter.builder("handoff_director_cluster_state_transfer_bytes")
                .description("state transfer bytes received (joiner) or sent (provider)").register(registry);
        stateTransfer = Timer.builder("handoff_director_cluster_state_transfer")
                .description("state transfers received, connect to table applied").register(registry);
        delay = Timer.builder("handoff_director_gossip_delay")
                .description("sender timestamp to applied here (ms resolution; includes clock offset between hosts)")
                .serviceLevelObjectives(Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5), Duration.ofMillis(10),
                        Duration.ofMillis(50), Duration.ofMillis(200))
                .register(registry);
        Gauge.builder("handoff_director_cluster_members", cluster, c -> c.members().length)
                .description("directors in the group's view, this one included").register(registry);
        String[] stateNames = {null, "terminating", "handed_off", "ended"};
        for (int state = OwnershipTable.STATE_TERMINATING; state <= OwnershipTable.STATE_ENDED; state++) {
            int st = state;
            Gauge.builder("handoff_director_cluster_flows", cluster, c -> c.tableCount(st)).tag("state", stateNames[state])
                    .description("ownership table entries by state (ended: tombstones)").register(registry);
        }
        Gauge.builder("handoff_director_cluster_ready", cluster, c -> c.ready() ? 1 : 0)
                .description("1 once this director has the table and the SYN-cookie secret").register(registry);
    }

    void rejected(DecodeResult r) {
        rejected[r.ordinal()].increment();
    }

    double rejectedCount(DecodeResult r) {
        return rejected[r.ordinal()].count();
    }

    void delay(long millis) {
        delay.record(Math.max(0, millis), TimeUnit.MILLISECONDS);
    }
}
