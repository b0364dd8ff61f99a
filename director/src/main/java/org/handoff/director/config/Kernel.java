package org.handoff.director.config;

import java.nio.file.Path;

/**
 * {@code kernel.*}: the kernel data path's settings. {@code bpffs} is the directory where the
 * XDP program's maps are pinned (a bpffs is mounted there unless one already is), so a
 * restarted director finds its flows; mount it once where it outlives the process
 * (docs/operations.md).
 */
public record Kernel(Path bpffs) {
    public static final Path DEFAULT_BPFFS = Path.of("/run/handoff/director/bpf");

    public static Kernel defaults() {
        return new Kernel(DEFAULT_BPFFS);
    }
}
