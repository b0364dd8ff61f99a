package org.handoff.agent.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.handoff.agent.setup.AgentNetworkConfig;
import org.handoff.config.HostPort;
import org.handoff.protocol.message.HandoffKeys;
import org.handoff.protocol.wire.Bytes;

/**
 * The agent's validated configuration (docs/configuration.md, "Server agent"). Built only by
 * {@link AgentConfigLoader}, which checks every value once.
 *
 * @param source           the file it came from, or null
 * @param listen           UDP address the agent receives hand-off messages on
 * @param keyFile          the shared key ring (docs/handoff-protocol.md section 4)
 * @param handoffAddress   H, the dedicated address the local server listens on (IPv4, 32 bits)
 * @param services         origin address:port (or bare ports) a HANDOFF may name
 * @param vips             the VIP addresses the agent sends from (IPv4, 32 bits each)
 * @param link             the local link's set-up values
 * @param maxFlows         flows open at once, all workers together
 * @param maxBufferedPackets client packets held per flow until connection B is ready
 * @param connectTimeout   how long the local stack has to accept connection B and the request
 * @param flowIdle         a flow with no packet either way for this long is reset
 * @param closeLinger      how long a closed flow keeps rewriting retransmissions before it is freed
 * @param drain            on SIGTERM, how long open flows may finish while new hand-offs are refused
 * @param replayWindow     replay window (the director's retransmission span)
 * @param replaySkew       clock skew tolerated between director and agent
 * @param replayCapacity   message ids remembered per time slice and worker
 * @param workers          worker threads
 * @param metricsListen    the Prometheus endpoint's address
 * @param datapath         kernel path, user path, or the kernel path when it can run ({@link Datapath})
 * @param kernel           the kernel path's settings
 * @param keys             the key ring read from {@code keyFile}; null when loaded for set-up or
 *                         teardown, which need no key ({@code AgentConfigLoader.AGENT.loadForRun})
 */
public record AgentConfig(
        Path source,
        HostPort listen,
        Path keyFile,
        int handoffAddress,
        List<Service> services,
        List<Integer> vips,
        Link link,
        int maxFlows,
        int maxBufferedPackets,
        Duration connectTimeout,
        Duration flowIdle,
        Duration closeLinger,
        Duration drain,
        Duration replayWindow,
        Duration replaySkew,
        int replayCapacity,
        int workers,
        HostPort metricsListen,
        Datapath datapath,
        KernelSettings kernel,
        HandoffKeys keys) {

    /**
     * @param tun                 the persistent TUN device
     * @param table               routing table T for {@code from H}
     * @param rulePriority        preference of that rule
     * @param mtu                 the TUN's MTU (at most the egress MTU)
     * @param conntrackExemption  install the nftables notrack rule for VIP-sourced packets
     * @param offload             TUN offloads and how super-segments leave ({@link LinkOffload})
     * @param stateFile           where the set-up records what it created
     */
    public record Link(String tun, int table, int rulePriority, int mtu, boolean conntrackExemption, LinkOffload offload,
                       Path stateFile) {
    }

    public AgentConfig {
        services = List.copyOf(services);
        vips = List.copyOf(vips);
    }

    /** The distinct server ports on H, in config order. */
    public List<Integer> serverPorts() {
        return services.stream().map(Service::port).distinct().toList();
    }

    /** What {@code handoff agent setup/teardown/check} builds from this config. */
    public AgentNetworkConfig network() {
        return new AgentNetworkConfig(link.tun(), Bytes.ipv4ToString(handoffAddress), link.table(), link.rulePriority(), 4096,
                serverPorts(), vips.stream().map(Bytes::ipv4ToString).toList(), link.mtu(), link.conntrackExemption(),
                link.offload() == LinkOffload.AUTO, link.stateFile());
    }
}
