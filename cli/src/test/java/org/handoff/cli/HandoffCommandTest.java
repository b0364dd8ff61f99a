package org.handoff.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

class HandoffCommandTest {
    /** One run of the real command line, with its output captured. */
    record Run(int exitCode, String out, String err) {
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cmd = HandoffCommand.commandLine();
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        int code = cmd.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void topLevelHelpListsEverySubcommand() {
        Run r = run("--help");
        assertEquals(0, r.exitCode(), r.err());
        for (String sub : List.of("director", "agent", "replay", "lab", "demo", "bench", "version", "selfcheck")) {
            assertTrue(r.out().contains(sub), "help lists " + sub + ":\n" + r.out());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"director", "agent", "replay", "lab", "demo", "bench", "version", "selfcheck"})
    void everySubcommandHasHelp(String sub) {
        Run r = run(sub, "--help");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().startsWith("Usage: handoff " + sub), r.out());
        assertTrue(r.out().contains("--log-level"), "inherited option shown:\n" + r.out());
    }

    @Test
    void directorNeedsAConfig() {
        Run r = run("director");
        assertEquals(2, r.exitCode());
        assertEquals("handoff director: --config FILE is required", r.err().strip());
    }

    @Test
    void directorCheckConfigAcceptsTheLabConfigAndListsEveryError(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        // The lab's config with the key file the lab writes beside it at start.
        java.nio.file.Path lab = ConfigRefusalsTest.labDirectorConfig(dir);
        Run ok = run("director", "check-config", "--config", lab.toString());
        assertEquals(0, ok.exitCode(), ok.err());
        assertTrue(ok.out().strip().endsWith("director.yaml: valid"), ok.out());

        java.nio.file.Path bad = dir.resolve("bad.yaml");
        java.nio.file.Files.writeString(bad, "vips: [198.18.1.1:99999]\npools: {}\nrules: []\nwrokers: 2\n");
        Run r = run("director", "check-config", "--config", bad.toString());
        assertEquals(1, r.exitCode());
        assertTrue(r.err().contains("vips[0]=198.18.1.1:99999"), r.err());
        assertTrue(r.err().contains("wrokers"), "an unknown key is an error: " + r.err());
    }

    @Test
    void directorRefusesAnInvalidConfigWithItsErrors(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path bad = dir.resolve("bad.yaml");
        java.nio.file.Files.writeString(bad, "vips: []\n");
        Run r = run("director", "--config", bad.toString(), "--pid-file", dir.resolve("pid").toString());
        assertEquals(1, r.exitCode());
        assertTrue(r.err().startsWith("handoff director: " + bad + ": 5 errors\n  vips=[] (expected: "), r.err());
    }

    @Test
    void labTakesOnlyItsActions() {
        Run r = run("lab", "sideways");
        assertEquals(2, r.exitCode());
        assertEquals("handoff lab: 'sideways' (expected: up, down, status, env, kill-director or start-director)", r.err().strip());
    }

    /** kill-director and start-director name a director of the lab; nothing else takes a number. */
    @Test
    void labDirectorActionsTakeADirectorsNumber() {
        Run none = run("lab", "kill-director");
        assertEquals(2, none.exitCode());
        assertEquals("handoff lab: kill-director needs the director's number, 1..N", none.err().strip());
        Run stray = run("lab", "status", "2");
        assertEquals(2, stray.exitCode());
        assertEquals("handoff lab: '2': only kill-director and start-director take a director's number", stray.err().strip());
        Run outside = run("lab", "--directors", "3", "start-director", "4");
        assertEquals(2, outside.exitCode());
        assertEquals("lab: start-director 4 (expected: 1..3, the lab's directors)", outside.err().strip());
        Run bad = run("lab", "--directors", "10", "status");
        assertEquals(2, bad.exitCode());
        assertEquals("lab: directors=10 (expected: 1..9, the lab's address plan)", bad.err().strip());
    }

    /** {@code lab env} prints the lab's description for a script's {@code eval}; bash reads it back whole. */
    @Test
    void labEnvPrintsTheDescriptionAsShellVariables(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        Run r = run("lab", "env");
        assertEquals(0, r.exitCode(), r.err());
        java.nio.file.Path env = dir.resolve("lab.env");
        java.nio.file.Files.writeString(env, r.out());
        org.handoff.host.CommandResult read = new org.handoff.host.ProcessRunner().run("bash", "-c",
                "set -eu; eval \"$(cat " + env + ")\"; echo \"$LAB_VIP:$LAB_VIP_PORT $LAB_CLIENT_NS $LAB_DIRECTOR_NS"
                        + " $LAB_DIRECTOR_ADDRESS $LAB_ORIGIN1_NS $LAB_ORIGIN1_ADDRESS $LAB_ORIGIN2_AGENT_PORT\"");
        assertEquals(0, read.exitCode(), read.describe());
        String prefix = System.getenv().getOrDefault("HANDOFF_LAB_NS_PREFIX", "ho-");
        assertEquals("198.18.1.1:80 " + prefix + "client " + prefix + "director 198.18.0.1 " + prefix + "origin1 198.18.0.11"
                + " 7070", read.stdout().strip());
        assertEquals("'it'\\''s'", LabCommand.shellQuoted("it's"));
    }

    /** The options are checked once, here: the script gets every value resolved and checks none. */
    @Test
    void benchPassesEveryValueResolvedToItsScript() {
        String lastCpu = Integer.toString(Runtime.getRuntime().availableProcessors() - 1);
        String defaultSizes = "1M=1048576,10M=10485760,100M=104857600";
        assertEquals(List.of("--runs", "5", "--duration", "5", "--connections", "16", "--ttfb-requests", "300", "--sizes", defaultSizes,
                "--cpu", lastCpu, "--out", "/tmp/bench-out"), parsedBench("--out", "/tmp/bench-out").scriptArgs());
        assertEquals(List.of("--smoke", "--runs", "1", "--duration", "1", "--connections", "2", "--ttfb-requests", "5", "--sizes",
                defaultSizes, "--cpu", lastCpu, "--out", "/tmp/bench-out"), parsedBench("--smoke", "--out", "/tmp/bench-out").scriptArgs());
        BenchCommand all = parsedBench("--smoke", "--runs", "3", "--sizes", "1K,10M,1G", "--duration", "2", "--connections", "8",
                "--ttfb-requests", "50", "--cpu", "none", "--use-lab", "--out", "/tmp/bench-out");
        assertEquals(null, all.problem());
        assertEquals(List.of("--smoke", "--runs", "3", "--duration", "2", "--connections", "8", "--ttfb-requests", "50", "--sizes",
                "1K=1024,10M=10485760,1G=1073741824", "--cpu", "none", "--use-lab", "--out", "/tmp/bench-out"), all.scriptArgs());

        List<String> dated = parsedBench().scriptArgs();
        String out = dated.get(dated.size() - 1);
        assertTrue(out.matches(java.util.regex.Pattern.quote(java.nio.file.Path.of("bench-results").toAbsolutePath().toString())
                + "/\\d{8}-\\d{6}"), out);
    }

    @Test
    void benchRejectsACpuThisMachineDoesNotHave() {
        int cpus = Runtime.getRuntime().availableProcessors();
        Run r = run("bench", "--cpu", Integer.toString(cpus));
        assertEquals(2, r.exitCode(), r.err());
        assertEquals("handoff bench: --cpu=" + cpus + " (expected: none or a CPU number 0.." + (cpus - 1) + ")", r.err().strip());
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource(delimiter = '|', value = {
        "--runs|0|--runs=0 (expected: 1..100)",
        "--duration|601|--duration=601 (expected: 1..600 seconds)",
        "--connections|0|--connections=0 (expected: 1..10000)",
        "--ttfb-requests|0|--ttfb-requests=0 (expected: 1..100000)",
        "--sizes|1M,10X|--sizes: '10X' (expected: a number with an optional K, M or G, like 10M)",
        "--sizes|1M,,10M|--sizes: '' (expected: a number with an optional K, M or G, like 10M)",
        "--sizes|1K,2K,3K,4K,5K,6K,7K,8K,9K,10K,11K|--sizes=1K,2K,3K,4K,5K,6K,7K,8K,9K,10K,11K (expected: 1 to 10 sizes)",
        "--cpu|last|--cpu=last (expected: none or a CPU number)",
        "--sizes|1M,2G|--sizes: '2G' is 2147483648 bytes (expected: at most 1G)",
        "--sizes|99999999999999999999G|--sizes: '99999999999999999999G' is 107374182399999999998926258176 bytes (expected: at most 1G)",
    })
    void benchRejectsBadOptionsBeforeRunningAnything(String option, String value, String message) {
        Run r = run("bench", option, value);
        assertEquals(2, r.exitCode(), r.err());
        assertEquals("handoff bench: " + message, r.err().strip());
    }

    private static BenchCommand parsedBench(String... args) {
        String[] all = new String[args.length + 1];
        all[0] = "bench";
        System.arraycopy(args, 0, all, 1, args.length);
        CommandLine.ParseResult parsed = HandoffCommand.commandLine().parseArgs(all);
        return (BenchCommand) parsed.subcommand().commandSpec().userObject();
    }

    @Test
    void reloadWithoutARunningDirectorSaysSo(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        Run r = run("director", "reload", "--pid-file", dir.resolve("none.pid").toString());
        assertEquals(1, r.exitCode());
        assertTrue(r.err().contains("not found (is the director running?)"), r.err());
    }

    @Test
    void agentWithoutConfigIsAUsageError() {
        Run r = run("agent");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("--config"), r.err());
    }

    @Test
    void agentSubcommandsHaveHelp() {
        for (String sub : List.of("setup", "teardown", "check", "check-config")) {
            Run r = run("agent", sub, "--help");
            assertEquals(0, r.exitCode(), r.err());
            assertTrue(r.out().startsWith("Usage: handoff agent " + sub), r.out());
        }
    }

    @Test
    void agentWithABadConfigSaysWhatIsWrongAndExits1(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws java.io.IOException {
        java.nio.file.Path config = dir.resolve("agent.yaml");
        java.nio.file.Files.writeString(config, "listen: 198.18.0.11:99999\nworkerz: 2\n");
        Run r = run("agent", "--config", config.toString());
        assertEquals(1, r.exitCode(), r.err());
        assertTrue(r.err().contains("listen=198.18.0.11:99999 (expected: IPv4 a.b.c.d:port with port 1..65535)"), r.err());
        assertTrue(r.err().contains("workerz=2 (expected: a known key"), r.err());
        assertTrue(r.err().contains("key-file=<missing>"), r.err());
        Run check = run("agent", "check", "--config", config.toString());
        assertEquals(1, check.exitCode());
    }

    @Test
    void noSubcommandIsAUsageError() {
        Run r = run();
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("Missing subcommand"), r.err());
    }

    @Test
    void unknownSubcommandIsAUsageError() {
        Run r = run("frobnicate");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("frobnicate"), r.err());
    }

    @Test
    void versionPrintsProjectJavaAndOs() {
        Run r = run("version");
        assertEquals(0, r.exitCode(), r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals(3, lines.size(), r.out());
        assertTrue(lines.get(0).matches("handoff \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?"), lines.get(0));
        assertTrue(lines.get(1).startsWith("java " + System.getProperty("java.version")), lines.get(1));
        assertTrue(lines.get(2).startsWith("os " + System.getProperty("os.name")), lines.get(2));
    }

    @Test
    void dashDashVersionMatchesVersionCommand() {
        assertEquals(run("version").out(), run("--version").out());
    }

    @Test
    void logLevelIsAcceptedBeforeOrAfterTheSubcommand() {
        try {
            assertEquals(0, run("--log-level", "debug", "version").exitCode());
            assertEquals(Level.DEBUG, rootLevel());
            assertEquals(0, run("version", "--log-level", "WARN").exitCode());
            assertEquals(Level.WARN, rootLevel());
            Run bad = run("version", "--log-level", "loud");
            assertEquals(2, bad.exitCode());
            assertTrue(bad.err().contains("loud"), bad.err());
        } finally {
            Logging.setLevel(Logging.Level.INFO);
        }
    }

    private static Level rootLevel() {
        return ((Logger) LoggerFactory.getLogger(
                org.slf4j.Logger.ROOT_LOGGER_NAME)).getLevel();
    }
}
