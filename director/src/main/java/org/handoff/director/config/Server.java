package org.handoff.director.config;

import java.util.Objects;
import org.handoff.config.HostPort;

/**
 * An origin server: its name (its identity for hashing and load counting), the UDP address of
 * its server agent, and the service address the agent connects to. A name used in several
 * pools names the same server, so it has the same agent and service in each.
 */
public record Server(String name, HostPort agent, HostPort service) {
    public Server {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(agent, "agent");
        Objects.requireNonNull(service, "service");
    }

    @Override
    public String toString() {
        return name + "(agent " + agent + ", service " + service + ")";
    }
}
