package org.handoff.agent.flow;

import java.time.Duration;
import java.util.List;
import org.handoff.agent.config.AgentConfig;
import org.handoff.agent.config.Service;

/**
 * What one worker's {@link FlowEngine} needs from the config.
 *
 * @param handoffAddress     H: connection B goes to H at the service's port
 * @param services           origin address:port a HANDOFF may name
 * @param vips               VIP addresses flows may use
 * @param maxBufferedPackets client packets held per flow until connection B is ready
 * @param connectTimeout     SYN-ACK and acceptance of the request must come within this
 * @param flowIdle           no packet either way for this long: the flow is reset
 * @param closeLinger        a closed flow keeps rewriting retransmissions this long
 * @param synRetransmits     SYN retransmissions within the connect timeout
 */
public record EngineSettings(int handoffAddress, List<Service> services, List<Integer> vips, int maxBufferedPackets,
                             Duration connectTimeout, Duration flowIdle, Duration closeLinger, int synRetransmits) {
    public EngineSettings {
        services = List.copyOf(services);
        vips = List.copyOf(vips);
        if (synRetransmits < 0 || synRetransmits > 5) {
            throw new IllegalArgumentException("synRetransmits=" + synRetransmits + " (expected: 0..5)");
        }
    }

    public static EngineSettings from(AgentConfig c) {
        return new EngineSettings(c.handoffAddress(), c.services(), c.vips(), c.maxBufferedPackets(), c.connectTimeout(),
                c.flowIdle(), c.closeLinger(), 2);
    }
}
