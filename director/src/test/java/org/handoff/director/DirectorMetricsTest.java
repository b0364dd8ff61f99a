package org.handoff.director;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class DirectorMetricsTest {
    @Test
    void anOriginAddedByAReloadIsExportedAtTheNextScrape() {
        AtomicReference<List<String>> origins = new AtomicReference<>(List.of("origin1"));
        DirectorMetrics metrics = new DirectorMetrics(List.of(), origins::get);
        String before = metrics.scrape();
        assertTrue(before.contains("handoff_director_handoffs_total{event=\"sent\",origin=\"origin1\"} 0.0"), before);
        assertFalse(before.contains("origin=\"origin3\""), before);

        origins.set(List.of("origin1", "origin3"));
        String after = metrics.scrape();
        assertTrue(after.contains("handoff_director_handoffs_total{event=\"sent\",origin=\"origin3\"} 0.0"), after);
        // Registered once: a second scrape neither fails nor repeats the series.
        String again = metrics.scrape();
        assertEquals(again.indexOf("event=\"sent\",origin=\"origin3\""), again.lastIndexOf("event=\"sent\",origin=\"origin3\""));
    }
}
