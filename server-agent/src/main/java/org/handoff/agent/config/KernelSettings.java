package org.handoff.agent.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import org.handoff.agent.kernel.AgentKernelConfig.EgressMode;

/**
 * The {@code kernel:} section (docs/configuration.md): where the kernel path's maps are pinned,
 * the interface TUNNELs arrive on, how rewritten packets leave, and what a stop does to the flows
 * in the kernel.
 *
 * @param bpffs  the bpffs directory the maps are pinned in (a bpffs is mounted there unless one is)
 * @param uplink the interface TUNNELs arrive on; null: the one that holds the {@code listen} address
 * @param egress how the egress program sends a rewritten packet
 * @param onStop what SIGTERM does to established flows on the kernel path
 * @param restartGrace after a stop that keeps flows: how long datagrams for the agent are dropped
 *                     instead of meeting its closed port (whose ICMP makes the director reset its clients)
 */
public record KernelSettings(Path bpffs, String uplink, EgressMode egress, OnStop onStop, Duration restartGrace) {
    /** Beside the agent's other run-time state (its set-up record is under /run/handoff-agent). */
    public static final Path DEFAULT_BPFFS = Path.of("/run/handoff/agent/bpf");

    /** {@code kernel.on-stop}. */
    public enum OnStop {
        /** Leave established flows to the kernel for the next run (docs/kernel-datapath.md, Restarts). */
        KEEP,
        /** End them as the user path does: drain for {@code timeouts.drain}, reset the rest, remove the programs. */
        DRAIN;

        public String yaml() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public static String yaml(EgressMode mode) {
        return mode.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
