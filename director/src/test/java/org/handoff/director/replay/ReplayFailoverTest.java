package org.handoff.director.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.handoff.director.config.ConfigLoader;
import org.junit.jupiter.api.Test;

/**
 * Failover decisions replayed on real captures: the GET goes to the "bins" pool (origin1 and
 * origin2, consistent hash), the POST to "uploads" (origin3 alone).
 */
class ReplayFailoverTest {
    static final Path TRACES = Path.of("../examples/traces");
    static final Path GET = TRACES.resolve("ipv4-http-all-options.pcap");
    static final Path POST = TRACES.resolve("ipv4-http-post.pcap");

    static List<FlowRecord> replay(Path capture, String... agents) throws Exception {
        ReplayOptions o = ReplayOptions.DEFAULTS;
        Map<String, AgentBehaviour> m = new java.util.TreeMap<>();
        for (String a : agents) {
            String[] kv = a.split("=", 2);
            m.put(kv[0], AgentBehaviour.parse(kv[1]));
        }
        List<FlowRecord> flows = new ArrayList<>();
        Replay.run(ConfigLoader.DIRECTOR.load(TRACES.resolve("director.yaml")), capture, o.withAgents(m), null, flows::add, null);
        assertEquals(1, flows.size());
        return flows;
    }

    @Test
    void aRefusingOriginMovesTheRequestToTheOtherOriginOfThePool() throws Exception {
        FlowRecord first = replay(GET).get(0);
        String chosen = first.origin();
        String other = chosen.equals("origin1") ? "origin2" : "origin1";
        FlowRecord f = replay(GET, chosen + "=refuse").get(0);
        assertEquals("handed-off", f.outcome());
        assertEquals(other, f.origin());
        assertEquals(2, f.attempts());
        assertEquals("released", f.closed(), "the client's FIN reached the new origin, whose agent reported CLOSED");
    }

    @Test
    void whenEveryOriginRefusesTheClientGets503() throws Exception {
        FlowRecord f = replay(POST, "origin3=refuse").get(0);
        assertEquals("no-origin", f.outcome());
        assertEquals(503, f.status());
        assertEquals(1, f.attempts());
        assertTrue(f.reason().startsWith("no origin left"), f.reason());
        assertEquals(0, f.decisionMillis(), "a NACK comes at once");
    }

    @Test
    void aSilentOriginGives503AtTheDeadline() throws Exception {
        FlowRecord f = replay(POST, "origin3=silent").get(0);
        assertEquals("no-origin", f.outcome());
        assertEquals(503, f.status());
        assertTrue(f.decisionMillis() >= 1000 && f.decisionMillis() <= 2010, "timed out after its budget: " + f.decisionMillis());
        FlowRecord both = replay(GET, "origin1=silent", "origin2=silent").get(0);
        assertEquals("no-origin", both.outcome());
        assertEquals(2, both.attempts(), "the second origin was tried before the deadline");
        assertTrue(both.decisionMillis() >= 1990 && both.decisionMillis() <= 2010, "503 at the 2 s deadline: " + both.decisionMillis());
    }

    @Test
    void aSlowOriginIsAcceptedLateAndALossyOneStillGetsTheFlow() throws Exception {
        FlowRecord slow = replay(POST, "origin3=delay:300").get(0);
        assertEquals("handed-off", slow.outcome());
        assertEquals("origin3", slow.origin());
        assertEquals(300, slow.decisionMillis());
        FlowRecord lossy = replay(POST, "origin3=loss:50").get(0);
        assertEquals("origin3", lossy.origin(), "retransmission gets through 50 % loss: " + lossy);
    }

    @Test
    void theSameSeedGivesTheSameRunAndTheReportNamesTheSeed() throws Exception {
        String a = ReplayTraceTest.report(TRACES.resolve("director.yaml"), POST, ReplayOptions.DEFAULTS.withSeed(7));
        String b = ReplayTraceTest.report(TRACES.resolve("director.yaml"), POST, ReplayOptions.DEFAULTS.withSeed(7));
        assertEquals(a, b);
        assertTrue(a.contains("\"seed\" : 7"), a);
    }
}
