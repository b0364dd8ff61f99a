package org.handoff.cli.selfcheck;

import java.util.ArrayList;
import java.util.List;

/** Every check {@code handoff selfcheck} runs, in order. Add new groups here. */
public final class SelfChecks {
    private SelfChecks() {
    }

    public static List<Check> all() {
        List<Check> checks = new ArrayList<>();
        checks.addAll(ProtocolChecks.all());
        return List.copyOf(checks);
    }
}
