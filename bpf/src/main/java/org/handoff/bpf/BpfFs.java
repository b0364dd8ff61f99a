package org.handoff.bpf;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * A bpffs directory where maps are pinned: the project's own, one per install or lab, never
 * {@code /sys/fs/bpf} ({@code ip netns exec} remounts /sys, so pins made there are not seen
 * inside a namespace and the other way round).
 *
 * <p>{@link #mount(Path)} mounts a bpffs at the directory unless one is already there. Each
 * bpffs mount is a file system of its own, and its pins live as long as it stays mounted: for
 * pins to outlive a process restart, the bpffs must be mounted where it outlives the process
 * (by the install or the lab, in the mount namespace the process starts from); a bpffs a
 * process mounts inside its own private mount namespace (as under {@code ip netns exec})
 * disappears with it. {@link #close()} unmounts only a bpffs this object mounted.
 */
public final class BpfFs implements AutoCloseable {
    /**
     * What the kernel puts in every new bpffs (CONFIG_BPF_PRELOAD: iterators listing maps and
     * programs); {@link #removePins()} leaves them.
     */
    public static final Set<String> KERNEL_ENTRIES = Set.of("maps.debug", "progs.debug");

    private final Path dir;
    private final boolean mountedHere;
    private boolean closed;

    private BpfFs(Path dir, boolean mountedHere) {
        this.dir = dir;
        this.mountedHere = mountedHere;
    }

    /** Mounts a bpffs at {@code dir} (created if missing), or uses the bpffs already mounted there. */
    public static BpfFs mount(Path dir) {
        Path abs = dir.toAbsolutePath();
        try {
            Files.createDirectories(abs);
        } catch (IOException e) {
            throw new UncheckedIOException("creating " + abs + " for a bpffs", e);
        }
        if (isBpfFs(abs)) {
            return new BpfFs(abs, false);
        }
        if (LibC.mount("bpf", abs.toString(), "bpf", 0, null) != 0) {
            throw BpfException.of("mount", "bpf at " + abs, Native.getLastError(), List.of());
        }
        return new BpfFs(abs, true);
    }

    /** Whether {@code dir} is a bpffs (statfs magic BPF_FS_MAGIC); false when it does not exist. */
    public static boolean isBpfFs(Path dir) {
        try (Memory buf = new Memory(LibC.STATFS_SIZE)) {
            buf.clear();
            if (LibC.statfs(dir.toString(), buf) != 0) {
                return false;
            }
            return buf.getLong(0) == LibC.BPF_FS_MAGIC;
        }
    }

    public Path path() {
        return dir;
    }

    /** Whether this object mounted the bpffs (and {@link #close()} unmounts it). */
    public boolean mountedHere() {
        return mountedHere;
    }

    /**
     * Removes every pin and directory under the bpffs but the {@link #KERNEL_ENTRIES} (an
     * unpinned map goes once no program or file descriptor holds it).
     */
    public void removePins() {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                boolean kernels = p.getParent() != null && p.getParent().equals(dir) && KERNEL_ENTRIES.contains(p.getFileName().toString());
                if (!p.equals(dir) && !kernels) {
                    Files.delete(p);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("removing pins under " + dir, e);
        }
    }

    /** Unmounts the bpffs if this object mounted it (its pins go with it); otherwise leaves it. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed || !mountedHere) {
            closed = true;
            return;
        }
        if (LibC.umount2(dir.toString(), 0) != 0) {
            throw BpfException.of("umount2", dir.toString(), Native.getLastError(), List.of());
        }
        closed = true;
    }

    @Override
    public String toString() {
        return "BpfFs[" + dir + (mountedHere ? ", mounted here" : ", mounted before") + (closed ? ", closed" : "") + "]";
    }
}
