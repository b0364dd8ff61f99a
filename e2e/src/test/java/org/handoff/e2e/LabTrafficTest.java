package org.handoff.e2e;

import org.handoff.lab.LabTopology;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;

/** {@link LabTrafficCases} with the agents on the kernel path, the lab's default (docs/kernel-datapath.md). */
@Tag("netns")
class LabTrafficTest extends LabTrafficCases {
    @BeforeAll
    static void up() throws Exception {
        upWith("traffic", LabTopology.DEFAULT_AGENT_DATAPATH);
    }
}
