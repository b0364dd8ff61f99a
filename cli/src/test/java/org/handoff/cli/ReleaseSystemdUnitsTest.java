package org.handoff.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.handoff.host.CommandResult;
import org.handoff.host.ProcessRunner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The systemd units of the release tarball, installed as docs/install.md says (the tarball
 * under /opt, /opt/handoff linking to it, the units in /etc/systemd/system) into a temporary
 * root, pass {@code systemd-analyze verify --root} with nothing to say: every ExecStart path
 * exists and is executable in the unpacked tree, and every setting parses (an unquoted
 * {@code Environment=HANDOFF_JAVA_OPTS=-Xms256m -Xmx2g} gives "Invalid environment assignment,
 * ignoring: -Xmx2g" and exit status 0, so the output is what is checked).
 *
 * <p>Runs after {@code package} (the cli pom's release-tarball execution, in {@code mvn verify}),
 * which names the tarball in {@code handoff.release.tarball}. The root gets the host's own
 * systemd units (the targets the units order themselves after) and {@code kill} (the director's
 * ExecReload); systemd-analyze comes with the {@code systemd} package (scripts/install-deps.sh).
 */
class ReleaseSystemdUnitsTest {
    static final List<String> UNITS = List.of("handoff-director.service", "handoff-agent.service");

    final ProcessRunner runner = new ProcessRunner().timeLimit(Duration.ofSeconds(60));

    @Test
    void theUnitsVerifyCleanAgainstTheUnpackedRelease(@TempDir Path root) throws Exception {
        String tarball = System.getProperty("handoff.release.tarball");
        assertTrue(tarball != null && Files.isRegularFile(Path.of(tarball)),
                "handoff.release.tarball=" + tarball + " (expected: the packaged tarball; run through mvn verify)");
        assertTrue(Files.isExecutable(Path.of("/usr/bin/systemd-analyze")),
                "/usr/bin/systemd-analyze not found (scripts/install-deps.sh installs the systemd package)");

        Files.createDirectories(root.resolve("opt"));
        run("tar", "-xzf", tarball, "-C", root.resolve("opt").toString());
        Path release;
        try (Stream<Path> unpacked = Files.list(root.resolve("opt"))) {
            release = unpacked.filter(p -> p.getFileName().toString().startsWith("handoff-")).findFirst().orElseThrow();
        }
        Files.createSymbolicLink(root.resolve("opt/handoff"), release.getFileName());
        Path unitDir = Files.createDirectories(root.resolve("etc/systemd/system"));
        for (String unit : UNITS) {
            Files.copy(root.resolve("opt/handoff/examples/systemd").resolve(unit), unitDir.resolve(unit));
        }
        // A host's own: the targets the units name, and /bin/kill (merged /usr, as Debian has it).
        Files.createDirectories(root.resolve("usr/lib/systemd"));
        run("cp", "-a", "/usr/lib/systemd/system", root.resolve("usr/lib/systemd").toString());
        Files.createDirectories(root.resolve("usr/bin"));
        Files.copy(Path.of("/usr/bin/kill"), root.resolve("usr/bin/kill"));
        Files.createSymbolicLink(root.resolve("bin"), Path.of("usr/bin"));
        assertTrue(Files.isExecutable(root.resolve("opt/handoff/bin/handoff")), "bin/handoff in the release is executable");

        List<String> verify = new ArrayList<>(List.of("systemd-analyze", "verify", "--root=" + root));
        verify.addAll(UNITS);
        CommandResult r = runner.run(verify, null);
        assertEquals(0, r.exitCode(), r.describe());
        assertEquals("", (r.stdout() + r.stderr()).strip(), "systemd-analyze verify has nothing to say");
    }

    private void run(String... command) throws Exception {
        CommandResult r = runner.run(List.of(command), null);
        assertTrue(r.ok(), r.describe());
    }
}
