package org.handoff.director;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.handoff.director.config.ConfigLoader;
import org.handoff.director.config.DirectorConfig;
import org.handoff.director.handoff.HandoffSettings;
import org.handoff.director.tcp.TcpSettings;
import org.junit.jupiter.api.Test;

/** What the workers run with is what the config says, shared out over the workers. */
class WorkerSettingsTest {
    static final String MINIMAL = "vips: [198.18.1.1:80]\n"
            + "pools: {all: {servers: [{name: o, agent: 198.18.0.11:7070, service: 198.18.0.11:80}]}}\n"
            + "default-pool: all\n";

    @Test
    void aConfigThatSetsNothingGivesTheTerminatorsAndCoordinatorsDefaults() throws Exception {
        DirectorConfig c = ConfigLoader.DIRECTOR.parse(MINIMAL, null);
        assertEquals(TcpSettings.DEFAULTS, WorkerSettings.tcp(c, 1));
        assertEquals(HandoffSettings.DEFAULTS, WorkerSettings.handoff(c));
        assertEquals(65_343, WorkerSettings.tcp(c, 1).receiveCapacity(), "the window cut to one HANDOFF's request bytes");
    }

    @Test
    void limitsAreSharedOutOverTheWorkers() throws Exception {
        DirectorConfig c = ConfigLoader.DIRECTOR.parse(MINIMAL + "workers: 4\nlimits: {max-flows: 1000, max-half-open: 100,"
                + " max-buffered-bytes-total: 1MiB}\ntcp: {initial-window: 32768}\n", null);
        TcpSettings s = WorkerSettings.of(c, new org.handoff.director.routing.LoadCounter()).tcp();
        assertEquals(250, s.maxFlows());
        assertEquals(25, s.maxHalfOpen());
        assertEquals(262_144, s.maxBufferedBytes());
        assertEquals(32_768, s.receiveCapacity());
    }
}
