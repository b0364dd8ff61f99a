package org.handoff.director.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BooleanSupplier;
import org.handoff.config.ConfigException;
import org.handoff.director.config.Cluster;
import org.handoff.director.config.ConfigLoader;
import org.handoff.protocol.message.HandoffKeys;

/**
 * Directors' groups in one JVM for tests and the propagation measurement: members bind
 * 127.0.0.1, 127.0.0.2, ... (all loopback on Linux) with the TCP transport and the static member
 * list, so each has the same ports on its own address (SSL_KEY_EXCHANGE's port must be the
 * same on every member). The whole production stack runs: mutual-TLS key exchange with a PKCS12
 * key pair made by keytool, ASYM_ENCRYPT, sealed announcements. Configs go through
 * {@code ConfigLoader.DIRECTOR.loadForRun}, as a director's do.
 */
public final class ClusterFixture implements AutoCloseable {
    static final String KEY_LINE = "1 " + "5a".repeat(32) + " send\n";
    static final String PASSWORD = "gossip-test-password";

    final Path dir;
    final int port;
    final int keyExchangePort;
    final int maxMembers;
    final List<DirectorCluster> started = new ArrayList<>();

    public ClusterFixture(Path dir, int maxMembers) throws Exception {
        this.dir = dir;
        this.maxMembers = maxMembers;
        int[] ports = freePorts(maxMembers);
        this.port = ports[0];
        this.keyExchangePort = ports[1];
        Files.writeString(dir.resolve("handoff.key"), KEY_LINE);
        Files.writeString(dir.resolve("gossip.key"), KEY_LINE.replace("5a", "c3"));
        Files.writeString(dir.resolve("gossip.pass"), PASSWORD + "\n");
        keystore(dir.resolve("gossip.p12"), PASSWORD);
    }

    static void keystore(Path file, String password) throws IOException, InterruptedException {
        ClusterKeystores.generate(file, password);
    }

    public static String address(int member) {
        return "127.0.0." + (member + 1);
    }

    /** Two ports free on every member's address: the transport's (and FD_SOCK2's, 100 above) and the key exchange's. */
    private static int[] freePorts(int members) throws IOException {
        for (int attempt = 0; attempt < 50; attempt++) {
            int p = ThreadLocalRandom.current().nextInt(20_000, 40_000);
            int kx = p + 1;
            if (bindable(members, p) && bindable(members, p + 100) && bindable(members, kx)) {
                return new int[] {p, kx};
            }
        }
        throw new IOException("no free ports on 127.0.0.1.." + address(members - 1));
    }

    private static boolean bindable(int members, int port) {
        for (int m = 0; m < members; m++) {
            try (ServerSocket s = new ServerSocket()) {
                s.bind(new InetSocketAddress(InetAddress.getByName(address(m)), port));
            } catch (IOException e) {
                return false;
            }
        }
        return true;
    }

    /** The director config YAML of member {@code m} (index from 0; director id m + 1). */
    String yaml(int m, String extraClusterLines) {
        StringBuilder members = new StringBuilder();
        for (int i = 0; i < maxMembers; i++) {
            members.append(i == 0 ? "" : ", ").append(address(i)).append(':').append(port);
        }
        return String.join("\n",
                "vips: [198.18.1.1:80]",
                "pools:",
                "  all:",
                "    servers:",
                "      - {name: origin1, agent: 198.18.0.11:7070, service: 198.18.0.11:80}",
                "default-pool: all",
                "handoff:",
                "  key-file: handoff.key",
                "capture:",
                "  interface: eth0",
                "cluster:",
                "  enabled: true",
                "  director-id: " + (m + 1),
                "  name: gossip-test-" + port,
                "  bind: " + address(m),
                "  transport: tcp",
                "  port: " + port,
                "  members: [" + members + "]",
                "  key-exchange-port: " + keyExchangePort,
                "  keystore: gossip.p12",
                "  keystore-password-file: gossip.pass",
                "  key-file: gossip.key",
                extraClusterLines,
                "");
    }

    Cluster config(int m, String extraClusterLines) throws IOException, ConfigException {
        Path file = dir.resolve("director-" + m + ".yaml");
        Files.writeString(file, yaml(m, extraClusterLines));
        return ConfigLoader.DIRECTOR.loadForRun(file).cluster();
    }

    public DirectorCluster start(int m) throws Exception {
        return start(m, "");
    }

    /** Starts member {@code m} with extra lines in its cluster section ("  orphan-expiry: 1s"). */
    DirectorCluster start(int m, String extraClusterLines) throws Exception {
        DirectorCluster c = DirectorCluster.start(config(m, extraClusterLines), new SimpleMeterRegistry(), System::currentTimeMillis,
                true);
        started.add(c);
        return c;
    }

    /** The group's sealing key ring, as the members load it from gossip.key. */
    static HandoffKeys gossipKeys() throws IOException {
        return HandoffKeys.parse("gossip.key", List.of(KEY_LINE.replace("5a", "c3").strip()));
    }

    public static void await(String what, long timeoutMillis, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (!condition.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline) {
                fail("not within " + timeoutMillis + " ms: " + what);
            }
            Thread.sleep(5);
        }
    }

    @Override
    public void close() {
        for (DirectorCluster c : started) {
            c.close();
        }
    }
}
