package org.handoff.director;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What {@link Director#create} does with what it opened when a later step fails (a capture that
 * will not open, the SYN maps refusing an update, the metrics port in use): it closes all of it,
 * in order, even when a close throws, and throws the step's failure with the close failures
 * attached. The steps themselves need a capture interface and BPF, so the netns tests start
 * real directors; this holds the cleanup.
 */
class DirectorStartupCleanupTest {
    final List<String> closed = new ArrayList<>();

    AutoCloseable opened(String name) {
        return () -> closed.add(name);
    }

    @Test
    void everythingOpenedIsClosedInOrderAndTheFailureComesBackAsItWas() {
        IllegalStateException failure = new IllegalStateException("director_vips: update refused");
        assertSame(failure, Director.closeAll(failure, List.of(opened("worker 0"), opened("worker 1"), opened("datapath"))));
        assertEquals(List.of("worker 0", "worker 1", "datapath"), closed);
        assertEquals(0, failure.getSuppressed().length);
    }

    @Test
    void aCloseThatThrowsIsAttachedToTheFailureAndTheRestAreStillClosed() {
        Director.StartupException failure = new Director.StartupException("cannot listen on metrics.listen=198.18.0.1:9100");
        IllegalStateException workerClose = new IllegalStateException("worker 0: close failed");
        Exception datapathClose = new Exception("datapath: close failed");
        AutoCloseable throwingWorker = () -> {
            closed.add("worker 0");
            throw workerClose;
        };
        AutoCloseable throwingDatapath = () -> {
            closed.add("datapath");
            throw datapathClose;
        };
        assertSame(failure, Director.closeAll(failure, List.of(throwingWorker, opened("worker 1"), throwingDatapath)));
        assertEquals(List.of("worker 0", "worker 1", "datapath"), closed);
        assertArrayEquals(new Throwable[] {workerClose, datapathClose}, failure.getSuppressed());
        assertEquals("cannot listen on metrics.listen=198.18.0.1:9100", failure.getMessage());
    }
}
