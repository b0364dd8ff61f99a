package org.handoff.cli.selfcheck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.handoff.cli.HandoffCommand;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class SelfCheckCommandTest {
    private static String[] runChecks(List<Check> checks) {
        StringWriter out = new StringWriter();
        CommandLine cmd = new CommandLine(new SelfCheckCommand(checks));
        cmd.setOut(new PrintWriter(out, true));
        int code = cmd.execute();
        return new String[] {Integer.toString(code), out.toString()};
    }

    @Test
    void builtInChecksPassThroughTheRealCommandLine() {
        StringWriter out = new StringWriter();
        CommandLine cmd = HandoffCommand.commandLine();
        cmd.setOut(new PrintWriter(out, true));
        assertEquals(0, cmd.execute("selfcheck"), out.toString());
        String table = out.toString();
        assertTrue(table.contains("checksum.rfc1071-example"), table);
        assertTrue(table.contains("seq.wrap-around"), table);
        assertTrue(table.contains("transform.round-trip"), table);
        assertTrue(table.contains("message.handoff-seal-verify"), table);
        assertFalse(table.contains("FAIL"), table);
        assertTrue(table.strip().endsWith("selfcheck: " + SelfChecks.all().size() + " passed, 0 failed"), table);
    }

    @Test
    void everyBuiltInCheckPasses() {
        for (Check c : SelfChecks.all()) {
            Check.Result r = SelfCheckCommand.runOne(c);
            assertTrue(r.passed(), c.name() + ": " + r.detail());
        }
    }

    @Test
    void aFailingCheckFailsTheCommand() {
        String[] r = runChecks(List.of(
                Check.of("ok", () -> Check.Result.pass("fine")),
                Check.of("wrong", () -> Check.Result.expect("x", 1, 2))));
        assertEquals(Integer.toString(SelfCheckCommand.EXIT_FAILED), r[0]);
        assertTrue(r[1].contains("wrong"), r[1]);
        assertTrue(r[1].contains("x = 2 (expected: 1)"), r[1]);
        assertTrue(r[1].contains("selfcheck: 1 passed, 1 failed"), r[1]);
    }

    @Test
    void aThrowingCheckIsAFailureNotACrash() {
        String[] r = runChecks(List.of(
                Check.of("throws", () -> {
                    throw new IllegalStateException("boom");
                }),
                Check.of("missing-class", () -> {
                    throw new NoClassDefFoundError("org/handoff/protocol/Nope");
                }),
                Check.of("null", () -> null)));
        assertEquals("1", r[0]);
        assertTrue(r[1].contains("IllegalStateException: boom"), r[1]);
        assertTrue(r[1].contains("NoClassDefFoundError"), r[1]);
        assertTrue(r[1].contains("check returned no result"), r[1]);
        assertTrue(r[1].contains("selfcheck: 0 passed, 3 failed"), r[1]);
    }
}
