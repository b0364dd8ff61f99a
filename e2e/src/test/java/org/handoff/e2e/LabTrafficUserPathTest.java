package org.handoff.e2e;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;

/**
 * {@link LabTrafficCases}' traffic (routing, byte-exact downloads up to 100 MB, an upload, client
 * TCP options off, 5% loss both ways, a forged hand-off, direct return) with the agents on the
 * user path ({@code datapath: user}), which stays the fallback of the kernel path
 * (docs/kernel-datapath.md).
 */
@Tag("netns")
class LabTrafficUserPathTest extends LabTrafficCases {
    @BeforeAll
    static void up() throws Exception {
        upWith("traffic-user", "user");
    }
}
