package org.handoff.director.config;

import java.net.Inet4Address;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.handoff.config.HostPort;
import org.handoff.protocol.message.HandoffKeys;

/**
 * {@code cluster.*}: the directors' group (docs/scale-out.md). Off by default: a director
 * alone needs none of it. When enabled, the directors form a JGroups group over
 * {@code transport} (IP multicast on {@code multicast}, or TCP on {@code port} with the static
 * {@code members} list, this director included), members authenticate with the shared PKCS12
 * key pair in {@code keystore} (password in {@code keystorePasswordFile}) and encrypt the group's
 * traffic, and every ownership announcement is sealed with the key ring in {@code keyFile} (the
 * hand-off key file format). {@code directorId} names this director in the ownership table
 * (unique in the group). On UDP {@code peerPort} at {@code bind} it takes the packets other
 * directors received for its flows before their hand-off (wrong-director packets). Failure
 * detection: a dead process is noticed by its ring neighbour's socket at once and confirmed
 * within {@code suspectVerify}; a frozen or cut-off one after
 * {@code failureTimeout} without heartbeats (sent every {@code failureInterval}). A departed
 * director's flows that were handed off stay in the table until they end or for
 * {@code orphanExpiry}. The coordinator draws a new SYN-cookie secret every
 * {@code secretRotation}. Sealed announcements are accepted within {@code replayWindow} of the
 * receiver's clock (plus a fixed skew).
 *
 * <p>{@code keys} and {@code keystorePassword} are read by {@code ConfigLoader.DIRECTOR.loadForRun}
 * (null otherwise, and when the cluster is off).
 */
public record Cluster(boolean enabled, int directorId, String name, Inet4Address bind, Transport transport,
        HostPort multicast, int port, List<HostPort> members, int keyExchangePort, int peerPort, Path keystore,
        Path keystorePasswordFile, Path keyFile, Duration failureTimeout, Duration failureInterval, Duration suspectVerify, Duration joinTimeout,
        Duration stateTimeout, Duration secretRotation, Duration orphanExpiry, Duration replayWindow, HandoffKeys keys,
        char[] keystorePassword) {
    public static final String DEFAULT_NAME = "handoff-directors";
    public static final HostPort DEFAULT_MULTICAST = HostPort.parse("239.19.20.1:45600");
    public static final int DEFAULT_PORT = 7800;
    public static final int DEFAULT_KEY_EXCHANGE_PORT = 2157;
    /** UDP: where a director takes the packets other directors received for its flows before their hand-off. */
    public static final int DEFAULT_PEER_PORT = 7801;
    /** FD_ALL3: a frozen member is suspected after this long without a heartbeat (JGroups' default: 40 s). */
    public static final Duration DEFAULT_FAILURE_TIMEOUT = Duration.ofMillis(1500);
    public static final Duration DEFAULT_FAILURE_INTERVAL = Duration.ofMillis(250);
    /** VERIFY_SUSPECT2: how long a suspect has to answer before it is excluded. */
    public static final Duration DEFAULT_SUSPECT_VERIFY = Duration.ofMillis(100);
    public static final Duration DEFAULT_JOIN_TIMEOUT = Duration.ofSeconds(1);
    public static final Duration DEFAULT_STATE_TIMEOUT = Duration.ofSeconds(20);
    public static final Duration DEFAULT_SECRET_ROTATION = Duration.ofMinutes(5);
    /**
     * The shortest rotation: a SYN cookie lives 2 minutes and is checked against the current
     * and the previous secret, so a secret must stay current at least that long.
     */
    public static final Duration MIN_SECRET_ROTATION = Duration.ofMinutes(2);
    public static final Duration DEFAULT_ORPHAN_EXPIRY = Duration.ofMinutes(10);
    public static final Duration DEFAULT_REPLAY_WINDOW = Duration.ofSeconds(5);

    public enum Transport {
        /** IP multicast (UDP): the lab, and networks that route multicast among the directors. */
        UDP("udp"),
        /** TCP connections to a static member list: networks without multicast. */
        TCP("tcp");

        private final String key;

        Transport(String key) {
            this.key = key;
        }

        public String key() {
            return key;
        }
    }

    public Cluster {
        members = List.copyOf(members);
    }

    /** No cluster: the director runs alone. */
    public static Cluster disabled() {
        return new Cluster(false, 0, DEFAULT_NAME, null, Transport.UDP, DEFAULT_MULTICAST, DEFAULT_PORT, List.of(),
                DEFAULT_KEY_EXCHANGE_PORT, DEFAULT_PEER_PORT, null, null, null, DEFAULT_FAILURE_TIMEOUT, DEFAULT_FAILURE_INTERVAL,
                DEFAULT_SUSPECT_VERIFY, DEFAULT_JOIN_TIMEOUT, DEFAULT_STATE_TIMEOUT, DEFAULT_SECRET_ROTATION,
                DEFAULT_ORPHAN_EXPIRY, DEFAULT_REPLAY_WINDOW, null, null);
    }

    /** Every setting, the key ring and the password left out (configs are logged; a reload compares this). */
    @Override
    public String toString() {
        return "Cluster{enabled=" + enabled + ", directorId=" + directorId + ", name=" + name + ", bind="
                + (bind == null ? null : bind.getHostAddress()) + ", transport=" + transport.key()
                + (transport == Transport.UDP ? ", multicast=" + multicast : ", port=" + port + ", members=" + members)
                + ", keyExchangePort=" + keyExchangePort + ", peerPort=" + peerPort + ", keystore=" + keystore + ", keystorePasswordFile=" + keystorePasswordFile
                + ", keyFile=" + keyFile + ", failureTimeout=" + failureTimeout + ", failureInterval=" + failureInterval
                + ", suspectVerify=" + suspectVerify + ", joinTimeout=" + joinTimeout + ", stateTimeout=" + stateTimeout
                + ", secretRotation=" + secretRotation + ", orphanExpiry=" + orphanExpiry + ", replayWindow=" + replayWindow + "}";
    }
}
