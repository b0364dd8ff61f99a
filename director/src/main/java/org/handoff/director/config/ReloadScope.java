package org.handoff.director.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * Which keys a reload applies and which need a restart. A reload swaps the workers' settings
 * (routing, TCP termination, hand-off timing, keys) behind one reference, so most keys take
 * effect at the next decision that reads them. The keys below sized or opened something when
 * the director started (capture handles and their filters, worker threads, the metrics socket,
 * flow tables, the request parsers, the XDP program and its pinned maps); a reload that changes
 * one of them is refused, naming each, and the running config stays. docs/configuration.md ("Reload") lists both kinds.
 */
public final class ReloadScope {
    /** A key that needs a restart, and how to read it from a config. */
    public record RestartKey(String name, Function<DirectorConfig, Object> value) {}

    public static final List<RestartKey> RESTART_KEYS = List.of(
            new RestartKey("vips", DirectorConfig::vips),
            new RestartKey("workers", DirectorConfig::workers),
            new RestartKey("metrics.listen", DirectorConfig::metricsListen),
            new RestartKey("capture.interface", c -> c.capture().interfaceName()),
            new RestartKey("capture.buffer-bytes", c -> c.capture().bufferBytes()),
            new RestartKey("capture.announce-device", c -> c.capture().announceDevice()),
            new RestartKey("limits.max-flows", c -> c.limits().maxFlows()),
            new RestartKey("limits.max-request-head-bytes", c -> c.limits().maxRequestHeadBytes()),
            new RestartKey("limits.max-request-headers", c -> c.limits().maxRequestHeaders()),
            new RestartKey("datapath", c -> c.datapath().key()),
            new RestartKey("kernel.bpffs", c -> c.kernel().bpffs()),
            // The group was joined with these; its key ring and password are compared by file, not content.
            new RestartKey("cluster", c -> c.cluster().toString()));

    private ReloadScope() {}

    /**
     * An error for each restart key whose value differs between the running config and the new
     * one: {@code vips=[198.18.1.2:80] (expected: [198.18.1.1:80], as running: a change to vips
     * needs a restart)}.
     */
    public static List<String> restartNeeded(DirectorConfig running, DirectorConfig next) {
        List<String> errors = new ArrayList<>();
        for (RestartKey k : RESTART_KEYS) {
            Object was = k.value().apply(running);
            Object now = k.value().apply(next);
            if (!Objects.equals(was, now)) {
                errors.add(k.name() + "=" + now + " (expected: " + was + ", as running: a change to " + k.name()
                        + " needs a restart)");
            }
        }
        return errors;
    }
}
