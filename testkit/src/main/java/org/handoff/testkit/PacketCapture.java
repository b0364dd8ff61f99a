package org.handoff.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A {@code tcpdump -w} running in a lab namespace. Started by
 * {@link NetnsLab#capture(Netns, String, String)}, which returns once tcpdump is listening;
 * {@link #stopAndRead()} stops it and parses what it wrote.
 */
public final class PacketCapture {
    private final LabProcess process;
    private final Path file;

    PacketCapture(LabProcess process, Path file) {
        this.process = process;
        this.file = file;
    }

    public Path file() {
        return file;
    }

    public LabProcess process() {
        return process;
    }

    /**
     * Waits until the file holds at least {@code count} frames or {@code maxMillis} passed
     * (polled every 50 ms), then stops tcpdump and returns every frame it captured: what the
     * caller asserts on, whether or not the count was reached.
     */
    public List<PcapReader.Frame> stopAfter(int count, long maxMillis) {
        long deadline = System.nanoTime() + maxMillis * 1_000_000L;
        try {
            while (System.nanoTime() < deadline) {
                if (Files.exists(file) && Files.size(file) > 0 && PcapReader.read(file).size() >= count) {
                    break;
                }
                Thread.sleep(50);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("reading capture " + file, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return stopAndRead();
    }

    /** Stops tcpdump (it flushes on SIGTERM) and returns every frame it captured. */
    public List<PcapReader.Frame> stopAndRead() {
        process.stop(5_000);
        try {
            return Files.exists(file) ? PcapReader.read(file) : List.of();
        } catch (IOException e) {
            throw new UncheckedIOException("reading capture " + file, e);
        }
    }
}
