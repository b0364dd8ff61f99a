package org.handoff.director.config;

import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.handoff.config.HostPort;
import org.handoff.protocol.message.HandoffKeys;

/**
 * The director's whole configuration, validated and immutable. Made by {@link ConfigLoader};
 * a reload makes a new one (see {@link ConfigHolder}). Pools keep their config order; rules
 * are in evaluation order.
 *
 * @param source the file it was loaded from (null when parsed from text)
 * @param workers worker threads; the config's value, or the machine's core count
 * @param metricsListen where the Prometheus endpoint listens
 * @param keys the hand-off key ring read from {@code handoff.key-file}; null when loaded for
 *     replay (see {@code ConfigLoader.DIRECTOR.loadForRun})
 * @param datapath where handed-off flows' client packets go on: the XDP program, Java, or the first that works
 * @param kernel the kernel path's settings (the bpffs its maps are pinned in)
 * @param cluster the directors' group and ownership gossip; {@link Cluster#disabled()} when the config has none
 */
public record DirectorConfig(Path source, List<HostPort> vips, Map<String, PoolConfig> pools, List<RuleConfig> rules,
        String defaultPool, Limits limits, Timeouts timeouts, Handoff handoff, int workers, HostPort metricsListen,
        Capture capture, Tcp tcp, HandoffKeys keys, Datapath datapath, Kernel kernel,
        Cluster cluster) {
    public DirectorConfig {
        vips = List.copyOf(vips);
        pools = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(pools));
        rules = List.copyOf(rules);
    }

    public PoolConfig pool(String name) {
        return pools.get(name);
    }

    /** The names of the servers of every pool, each once, in the order the pools list them. */
    public Set<String> serverNames() {
        Set<String> names = new LinkedHashSet<>();
        for (PoolConfig p : pools.values()) {
            for (PoolMember m : p.members()) {
                names.add(m.server().name());
            }
        }
        return names;
    }
}
