package org.handoff.director.io;

import com.sun.jna.Library;
import com.sun.jna.Native;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Assumptions;

/**
 * Network namespaces for the netns-tagged tests. Names are {@code hpk-<pid>-<n>}; every
 * namespace created is deleted by {@link #close()} (use try-with-resources), and namespaces
 * left by a test JVM that died (its pid gone) are deleted when a lab starts. Links are
 * created directly inside the namespaces, never in the root namespace; addresses are in
 * 198.18.0.0/15. Every command has a time limit.
 *
 * <p>{@link #inNamespace} runs code on a fresh thread that has entered the namespace with
 * setns(2): sockets and pcap handles opened there stay in that namespace after the thread ends,
 * so the test thread can use them.
 */
final class NetnsLab implements AutoCloseable {
    private static final String PREFIX = "hpk-";
    private static final int CLONE_NEWNET = 0x40000000;
    private static int counter;

    interface C extends Library {
        C INSTANCE = Native.load("c", C.class);

        int open(String path, int flags);

        int setns(int fd, int nstype);

        int close(int fd);
    }

    private final List<String> created = new ArrayList<>();

    /** Skips the calling test (JUnit assumption) unless root with iproute2 and libpcap. */
    static void assumeUsable() {
        String uid = "";
        try {
            uid = run(List.of("id", "-u"), 10).stdout.strip();
        } catch (IOException e) {
            // falls through to the assumption
        }
        Assumptions.assumeTrue(uid.equals("0"), "netns tests need root (id -u=" + uid + "): skipped");
        Assumptions.assumeTrue(onPath("ip"), "netns tests need iproute2's 'ip' on PATH: skipped");
        boolean pcap;
        try {
            org.pcap4j.core.Pcaps.libVersion();
            pcap = true;
        } catch (Throwable t) {
            pcap = false;
        }
        Assumptions.assumeTrue(pcap, "netns tests need libpcap (apt-get install libpcap0.8): skipped");
    }

    static boolean onPath(String tool) {
        return Arrays.stream(System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin").split(":"))
                .anyMatch(d -> Files.isExecutable(Path.of(d, tool)));
    }

    NetnsLab() throws IOException {
        sweepStale();
    }

    /** Creates a namespace with lo up; returns its name. */
    synchronized String namespace(String role) throws IOException {
        String name = PREFIX + ProcessHandle.current().pid() + "-" + (counter++) + role;
        ip("netns", "add", name);
        created.add(name);
        ip("-n", name, "link", "set", "lo", "up");
        return name;
    }

    /** A veth pair between two namespaces, created inside them, both ends up, with addresses. */
    void veth(String nsA, String ifA, String cidrA, String nsB, String ifB, String cidrB) throws IOException {
        ip("link", "add", ifA, "netns", nsA, "type", "veth", "peer", "name", ifB, "netns", nsB);
        ip("-n", nsA, "addr", "add", cidrA, "dev", ifA);
        ip("-n", nsB, "addr", "add", cidrB, "dev", ifB);
        ip("-n", nsA, "link", "set", ifA, "up");
        ip("-n", nsB, "link", "set", ifB, "up");
    }

    static Result ip(String... args) throws IOException {
        List<String> argv = new ArrayList<>();
        argv.add("ip");
        argv.addAll(List.of(args));
        return check(run(argv, 20), argv);
    }

    /** Runs a command inside a namespace; fails the test on a non-zero exit. */
    static Result exec(String ns, String... args) throws IOException {
        List<String> argv = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        argv.addAll(List.of(args));
        return check(run(argv, 20), argv);
    }

    record Result(int exit, String stdout, String stderr) {
    }

    private static Result check(Result r, List<String> argv) throws IOException {
        if (r.exit != 0) {
            throw new IOException(String.join(" ", argv) + " exited " + r.exit + ": " + r.stderr.strip());
        }
        return r;
    }

    static Result run(List<String> argv, int timeoutSeconds) throws IOException {
        Process p = new ProcessBuilder(argv).start();
        try {
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", argv) + ": no exit within " + timeoutSeconds + " s");
            }
            return new Result(p.exitValue(), out, err);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted: " + argv, e);
        }
    }

    /** Runs {@code body} on a new thread inside the namespace; returns its result. */
    static <T> T inNamespace(String ns, Callable<T> body) throws Exception {
        AtomicReference<T> result = new AtomicReference<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread t = new Thread(() -> {
            int fd = C.INSTANCE.open("/var/run/netns/" + ns, 0);
            if (fd < 0) {
                failure.set(new IOException("open /var/run/netns/" + ns + " failed: errno " + Native.getLastError()));
                return;
            }
            try {
                if (C.INSTANCE.setns(fd, CLONE_NEWNET) != 0) {
                    failure.set(new IOException("setns " + ns + " failed: errno " + Native.getLastError()));
                    return;
                }
            } finally {
                C.INSTANCE.close(fd);
            }
            try {
                result.set(body.call());
            } catch (Throwable e) {
                failure.set(e);
            }
        }, "netns-" + ns);
        t.start();
        t.join(30_000);
        if (t.isAlive()) {
            throw new IllegalStateException("code in namespace " + ns + " did not finish in 30 s");
        }
        if (failure.get() instanceof Exception e) {
            throw e;
        } else if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
        return result.get();
    }

    /** Deletes namespaces of earlier test JVMs that are gone (their pid is in the name). */
    private static void sweepStale() throws IOException {
        for (String line : run(List.of("ip", "netns", "list"), 20).stdout.split("\n")) {
            String name = line.split(" ")[0];
            if (!name.startsWith(PREFIX)) {
                continue;
            }
            String[] parts = name.substring(PREFIX.length()).split("-");
            try {
                long pid = Long.parseLong(parts[0]);
                if (ProcessHandle.of(pid).isEmpty()) {
                    run(List.of("ip", "netns", "del", name), 20);
                }
            } catch (NumberFormatException e) {
                // not ours
            }
        }
    }

    @Override
    public synchronized void close() throws IOException {
        IOException first = null;
        for (String ns : created) {
            Result r = run(List.of("ip", "netns", "del", ns), 20);
            if (r.exit != 0 && first == null) {
                first = new IOException("ip netns del " + ns + ": " + r.stderr.strip());
            }
        }
        created.clear();
        if (first != null) {
            throw first;
        }
    }
}
