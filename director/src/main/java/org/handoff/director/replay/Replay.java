package org.handoff.director.replay;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.handoff.director.config.DirectorConfig;
import org.handoff.director.io.CaptureClock;
import org.handoff.director.io.LinkDecoder;
import org.handoff.director.io.PacketSource;
import org.handoff.director.io.PcapFileSink;
import org.handoff.director.io.PcapFileSource;

/**
 * Runs one capture file through a {@link ReplayEngine}: reads it with {@link PcapFileSource}
 * on a {@link CaptureClock}, writes what the director sends to a pcap when asked, counts the
 * link layer's drops, and stops cleanly at a record cut short (a truncated capture).
 */
public final class Replay {
    private static final int BATCH = 256;

    /** Told every batch how far the replay is; on a terminal the CLI draws a progress line. */
    @FunctionalInterface
    public interface Progress {
        void update(long packets, int openFlows, long captureNanos);
    }

    /**
     * @param totals the deterministic totals ({@link ReplayEngine#totals()})
     * @param packets frames read from the file
     * @param wallNanos how long the run took on this machine
     * @param captureError the reason reading stopped early (a truncated file), or null
     * @param outputError why the {@code out} file is incomplete (a failed write), or null
     */
    public record Result(Map<String, Object> totals, long packets, long wallNanos, long outputPackets, String captureError,
                         String outputError) {
        public double packetsPerSecond() {
            return wallNanos == 0 ? 0 : packets * 1e9 / wallNanos;
        }
    }

    private Replay() {
    }

    /**
     * @param out where to write what the director sends (nanosecond pcap, raw IPv4), or null
     * @param flows receives each flow as it ends, or null
     * @param progress told after each batch, or null
     */
    public static Result run(DirectorConfig config, Path capture, ReplayOptions options, Path out, ReplayEngine.FlowSink flows,
                             Progress progress) throws IOException {
        CaptureClock clock = new CaptureClock();
        long start = System.nanoTime();
        String error = null;
        try (PcapFileSource source = PcapFileSource.open(capture, clock);
             PcapFileSink sink = out == null ? null : PcapFileSink.raw(out, clock)) {
            ReplayEngine engine = new ReplayEngine(config, options, sink, clock, flows);
            while (true) {
                int n;
                try {
                    n = source.poll(engine, BATCH, 0);
                } catch (IOException e) {
                    // libpcap stops at a record cut short; everything before it was delivered.
                    engine.countDrops(DropReason.TRUNCATED_FILE, 1);
                    error = e.getMessage();
                    break;
                }
                if (n == PacketSource.END_OF_INPUT) {
                    break;
                }
                if (progress != null) {
                    progress.update(engine.packets(), engine.openFlows(), engine.lastNanos() - engine.firstNanos());
                }
            }
            LinkDecoder link = source.decoder();
            engine.countDrops(DropReason.LINK_NOT_IP, link.notIp());
            engine.countDrops(DropReason.SNAPLEN_CUT, link.truncated());
            engine.countDrops(DropReason.LINK_MALFORMED_IP, link.malformedIp());
            engine.countDrops(DropReason.NOT_FOR_HOST, link.notForHost());
            long frames = engine.packets() + link.dropped();
            engine.finish();
            String outputError = null;
            if (sink != null) {
                sink.close(); // flushes; a write that fails here is reported too
                if (sink.lastError() != null || sink.failed() > 0) {
                    outputError = sink.failed() + " packet(s) refused"
                            + (sink.lastError() == null ? "" : ", last write error: " + sink.lastError());
                }
            }
            return new Result(engine.totals(), frames, System.nanoTime() - start, engine.outputPackets(), error,
                    outputError);
        }
    }
}
