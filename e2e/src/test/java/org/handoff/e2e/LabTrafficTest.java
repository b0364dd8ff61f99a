package org.handoff.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.handoff.lab.LabTopology;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link LabTrafficCases} with the director and the agents on the kernel path, the lab's default (docs/kernel-datapath.md). */
@Tag("netns")
class LabTrafficTest extends LabTrafficCases {
    @BeforeAll
    static void up() throws Exception {
        upWith("traffic", LabTopology.DATAPATHS.get(0));
    }

    /**
     * The kernel path (the lab's default): the client's ACKs of a 100 MB download go to the agent
     * through the director's XDP program (tunnelled), not through its capture; the capture sees
     * the handshake, the request and the end. Byte-exact as every download.
     */
    @Test
    @Order(3)
    @Timeout(180)
    void aBigDownloadsAcksGoThroughTheKernelNotTheDirectorsCapture() throws Exception {
        assertEquals("kernel", lab.topology.datapath());
        List<String> series = List.of("handoff_director_xdp_packets_total{outcome=\"tunnelled\"}",
                "handoff_director_tcp_packets_total", "handoff_director_datapath{mode=\"kernel\"}");
        Map<String, Double> before = lab.directorCounters(series);
        assertEquals(1.0, before.get(series.get(2)), "the director runs the kernel path");
        download("100M", LONG);
        Map<String, Double> after = lab.directorCounters(series);
        double tunnelled = after.get(series.get(0)) - before.get(series.get(0));
        double captured = after.get(series.get(1)) - before.get(series.get(1));
        System.err.println("e2e: 100 MB download: " + (long) tunnelled + " client packets tunnelled by XDP, " + (long) captured
                + " reached the director's capture");
        assertTrue(tunnelled >= 100, "ACKs tunnelled: " + tunnelled);
        assertTrue(tunnelled >= 0.9 * (tunnelled + captured), "tunnelled " + tunnelled + " of " + (tunnelled + captured)
                + " client packets (expected: at least 90%)");
    }
}
