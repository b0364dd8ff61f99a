package org.handoff.cli.selfcheck;

import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code handoff selfcheck}: runs every {@link Check}, prints a table, exits 1 if any failed. */
@Command(name = "selfcheck", mixinStandardHelpOptions = true,
        description = "Check the protocol code on this machine against known values; "
                + "exit 1 if any check fails.")
public final class SelfCheckCommand implements Callable<Integer> {
    public static final int EXIT_FAILED = 1;

    private static final Logger log = LoggerFactory.getLogger(SelfCheckCommand.class);

    @Spec
    CommandSpec spec;

    private final List<Check> checks;

    public SelfCheckCommand() {
        this(SelfChecks.all());
    }

    /** For tests: runs the given checks instead of {@link SelfChecks#all()}. */
    public SelfCheckCommand(List<Check> checks) {
        this.checks = List.copyOf(checks);
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        int width = "CHECK".length();
        for (Check c : checks) {
            width = Math.max(width, c.name().length());
        }
        String row = "%-" + width + "s  %-6s %s%n";
        out.printf(row, "CHECK", "RESULT", "DETAIL");
        int failed = 0;
        for (Check c : checks) {
            Check.Result r = runOne(c);
            if (!r.passed()) {
                failed++;
            }
            out.printf(row, c.name(), r.passed() ? "PASS" : "FAIL", r.detail());
        }
        out.printf("selfcheck: %d passed, %d failed%n", checks.size() - failed, failed);
        out.flush();
        return failed == 0 ? 0 : EXIT_FAILED;
    }

    static Check.Result runOne(Check c) {
        log.debug("running check {}", c.name());
        try {
            Check.Result r = c.run();
            return r != null ? r : Check.Result.fail("check returned no result");
        } catch (Exception | LinkageError | AssertionError e) {
            log.debug("check {} threw", c.name(), e);
            return Check.Result.fail(e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }
}
