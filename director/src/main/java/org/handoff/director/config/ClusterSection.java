package org.handoff.director.config;

import java.io.IOException;
import java.io.InputStream;
import java.net.Inet4Address;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.handoff.config.ConfigNode;
import org.handoff.config.ConfigTree;
import org.handoff.config.HostPort;
import org.handoff.protocol.message.HandoffKeys;

/**
 * The {@code cluster} section of the director's schema ({@link ConfigLoader}), apart because it
 * is a schema of its own: read when present, checked whether or not it is enabled (a typo in a
 * disabled section is still a typo), and, for a run, its three files read and checked now, so
 * that {@code check-config} and {@code director run} refuse the same configs.
 */
final class ClusterSection {
    private static final Map<String, Cluster.Transport> TRANSPORTS = Map.of(Cluster.Transport.UDP.key(), Cluster.Transport.UDP,
            Cluster.Transport.TCP.key(), Cluster.Transport.TCP);
    /** A JGroups cluster name: it is also written into the group's messages, so keep it short and plain. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
    static final int MAX_DIRECTOR_ID = 65_535;

    private ClusterSection() {}

    /** The section's value; {@link Cluster#disabled()} when absent. Errors go to {@code tree}. */
    static Cluster check(ConfigNode s, boolean forRun, ConfigTree tree) {
        if (s.isMissing()) {
            return Cluster.disabled();
        }
        int errorsBefore = tree.errorCount();
        boolean enabled = s.get("enabled").bool(false);
        ConfigNode idNode = s.get("director-id");
        int directorId = 0;
        if (idNode.isMissing()) {
            if (enabled) {
                idNode.error("this director's id in the group, 1.." + MAX_DIRECTOR_ID + ", unique among the directors");
            }
        } else {
            directorId = (int) idNode.integer(0, 1, MAX_DIRECTOR_ID);
        }
        ConfigNode nameNode = s.get("name");
        String name = nameNode.isMissing() ? Cluster.DEFAULT_NAME
                : nameNode.text(NAME, "a group name: 1 to 64 letters, digits, '_', '.', '-'");
        ConfigNode bindNode = s.get("bind");
        Inet4Address bind = null;
        if (!bindNode.isMissing() || enabled) {
            bind = bindNode.ipv4Address("this director's IPv4 address on the directors' network, a.b.c.d");
        }
        int errorsBeforeTransport = tree.errorCount();
        Cluster.Transport transport = s.get("transport").oneOf(Cluster.Transport.UDP, TRANSPORTS, "udp or tcp");
        boolean transportKnown = tree.errorCount() == errorsBeforeTransport;
        ConfigNode mcastNode = s.get("multicast");
        ConfigNode portNode = s.get("port");
        ConfigNode membersNode = s.get("members");
        HostPort multicast = Cluster.DEFAULT_MULTICAST;
        int port = Cluster.DEFAULT_PORT;
        List<HostPort> members = List.of();
        if (!transportKnown) {
            // Which of multicast, port and members belong depends on the transport: no guesses after a bad one.
        } else if (transport == Cluster.Transport.UDP) {
            if (!mcastNode.isMissing()) {
                HostPort m = mcastNode.ipv4HostPort("an IPv4 multicast group:port, e.g. 239.19.20.1:45600");
                if (m != null && !m.address().isMulticastAddress()) {
                    mcastNode.error("an IPv4 multicast group:port (224.0.0.0/4), e.g. 239.19.20.1:45600");
                } else if (m != null) {
                    multicast = m;
                }
            }
            if (!portNode.isMissing()) {
                portNode.error("no port with transport udp (the group and port are in multicast)");
            }
            if (!membersNode.isMissing()) {
                membersNode.error("no members with transport udp (members find each other by multicast)");
            }
        } else {
            if (!mcastNode.isMissing()) {
                mcastNode.error("no multicast with transport tcp");
            }
            port = (int) portNode.integer(Cluster.DEFAULT_PORT, 1, 65_535);
            members = members(membersNode, bind, port);
        }
        int keyExchangePort = (int) s.get("key-exchange-port").integer(Cluster.DEFAULT_KEY_EXCHANGE_PORT, 1, 65_535);
        if (transport == Cluster.Transport.TCP && keyExchangePort == port) {
            s.get("key-exchange-port").error("a port other than cluster.port=" + port);
        }
        int peerPort = (int) s.get("peer-port").integer(Cluster.DEFAULT_PEER_PORT, 1, 65_535);
        Path keystore = file(s.get("keystore"), enabled, "the group's PKCS12 key store (one key pair all directors share)");
        Path passwordFile = file(s.get("keystore-password-file"), enabled, "a file holding the key store's password");
        Path keyFile = file(s.get("key-file"), enabled, "the key file that seals ownership announcements "
                + "(the hand-off key file format, docs/handoff-protocol.md section 4)");
        Duration failureTimeout = s.get("failure-timeout").duration(Cluster.DEFAULT_FAILURE_TIMEOUT, Duration.ofMillis(100),
                Duration.ofSeconds(60));
        Duration failureInterval = s.get("failure-interval").duration(Cluster.DEFAULT_FAILURE_INTERVAL, Duration.ofMillis(10),
                Duration.ofSeconds(10));
        Duration suspectVerify = s.get("suspect-verify").duration(Cluster.DEFAULT_SUSPECT_VERIFY, Duration.ofMillis(10),
                Duration.ofSeconds(10));
        Duration joinTimeout = s.get("join-timeout").duration(Cluster.DEFAULT_JOIN_TIMEOUT, Duration.ofMillis(100),
                Duration.ofSeconds(60));
        Duration stateTimeout = s.get("state-timeout").duration(Cluster.DEFAULT_STATE_TIMEOUT, Duration.ofSeconds(1),
                Duration.ofMinutes(10));
        Duration secretRotation = s.get("secret-rotation").duration(Cluster.DEFAULT_SECRET_ROTATION, Cluster.MIN_SECRET_ROTATION,
                Duration.ofDays(1));
        Duration orphanExpiry = s.get("orphan-expiry").duration(Cluster.DEFAULT_ORPHAN_EXPIRY, Duration.ofSeconds(1),
                Duration.ofDays(1));
        Duration replayWindow = s.get("replay-window").duration(Cluster.DEFAULT_REPLAY_WINDOW, Duration.ofMillis(500),
                Duration.ofSeconds(60));
        if (failureInterval.multipliedBy(2).compareTo(failureTimeout) > 0) {
            tree.error("cluster.failure-interval=" + ConfigLoader.format(failureInterval) + " (expected: at most half of "
                    + "cluster.failure-timeout=" + ConfigLoader.format(failureTimeout)
                    + ": one lost heartbeat must not make a live director a suspect)");
        }
        HandoffKeys keys = null;
        char[] password = null;
        if (forRun && enabled && tree.errorCount() == errorsBefore) {
            keys = s.get("key-file").readFile(keyFile, "key file", HandoffKeys::load);
            password = s.get("keystore-password-file").readFile(passwordFile, "password file", ClusterSection::password);
            if (password != null) {
                char[] p = password;
                s.get("keystore").readFile(keystore, "PKCS12 key store with one private key, opened by the password file",
                        f -> checkKeystore(f, p));
            }
        }
        return new Cluster(enabled, directorId, name, bind, transport, multicast, port, members, keyExchangePort, peerPort, keystore,
                passwordFile, keyFile, failureTimeout, failureInterval, suspectVerify, joinTimeout, stateTimeout, secretRotation,
                orphanExpiry, replayWindow, keys, password);
    }

    private static List<HostPort> members(ConfigNode node, Inet4Address bind, int port) {
        if (node.isMissing()) {
            node.error("with transport tcp, the list of every director's address:port, this one included");
            return List.of();
        }
        List<HostPort> members = node.uniqueList("a list of every director's IPv4 address:port, this one included", "member",
                element -> element.ipv4HostPort("an IPv4 a.b.c.d:port"));
        if (bind != null && !members.isEmpty() && !members.contains(new HostPort(bind, port))) {
            node.error("a list that includes this director, " + bind.getHostAddress() + ":" + port + " (cluster.bind:cluster.port)");
        }
        return Collections.unmodifiableList(members);
    }

    private static Path file(ConfigNode node, boolean required, String what) {
        if (node.isMissing()) {
            if (required) {
                node.error(what + ", relative to the config file's folder");
            }
            return null;
        }
        return node.path("a file path, relative to the config file's folder");
    }

    /** The password: the file's first line, without its line end; refused when empty. */
    private static char[] password(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        String first = lines.isEmpty() ? "" : lines.get(0).strip();
        if (first.isEmpty()) {
            throw new IOException(file + ": empty first line (expected: the key store's password)");
        }
        return first.toCharArray();
    }

    private static Object checkKeystore(Path file, char[] password) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(in, password);
            int keys = 0;
            for (String alias : Collections.list(store.aliases())) {
                if (store.isKeyEntry(alias)) {
                    keys++;
                }
            }
            if (keys != 1) {
                throw new IOException(file + ": " + keys + " private keys (expected: exactly 1, the group's key pair)");
            }
            return store;
        } catch (GeneralSecurityException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }
}
