package org.handoff.bpf;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.util.ArrayDeque;
import java.util.List;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * libbpf's print callback: every message goes to SLF4J (logger {@code org.handoff.bpf.libbpf},
 * libbpf's WARN/INFO/DEBUG as warn/info/debug), and the calling thread keeps its last
 * {@value #TAIL_LINES} warn and info lines, so that a failed call's {@link BpfException} can
 * say what libbpf said: for a program the verifier rejects, the end of the verifier log.
 *
 * <p>libbpf calls the callback on the thread that called into libbpf, so a per-thread tail
 * belongs to that thread's last calls. Messages are formatted with libc's {@code vasprintf}
 * (the {@code va_list} can be read once, and a verifier log can be megabytes long).
 */
final class LibbpfLog {
    static final int TAIL_LINES = 40;
    private static final Logger LOG = LoggerFactory.getLogger("org.handoff.bpf.libbpf");
    private static final ThreadLocal<ArrayDeque<String>> TAIL = ThreadLocal.withInitial(ArrayDeque::new);
    private static final ThreadLocal<Boolean> EXPECTING_FAILURE = ThreadLocal.withInitial(() -> Boolean.FALSE);

    private LibbpfLog() {
    }

    /** Forgets this thread's earlier lines: call before a libbpf call whose messages may explain a failure. */
    static void clear() {
        TAIL.get().clear();
    }

    /**
     * Runs a libbpf call whose failure is an expected answer (a query for a filter that is not
     * there, a hook that exists already): its messages go to debug instead of warn, and into
     * the tail as usual, after clearing it.
     */
    static int expectingFailure(IntSupplier call) {
        clear();
        EXPECTING_FAILURE.set(Boolean.TRUE);
        try {
            return call.getAsInt();
        } finally {
            EXPECTING_FAILURE.set(Boolean.FALSE);
        }
    }

    /** This thread's last warn and info lines, oldest first. */
    static List<String> tail() {
        return List.copyOf(TAIL.get());
    }

    /** The callback itself; never throws into native code. */
    static int print(int level, Pointer format, Pointer args) {
        try {
            if (level == Libbpf.LIBBPF_DEBUG && !LOG.isDebugEnabled()) {
                return 0;
            }
            String text = format(format, args);
            if (text == null) {
                return 0;
            }
            ArrayDeque<String> tail = TAIL.get();
            boolean quiet = EXPECTING_FAILURE.get();
            for (String line : text.split("\n")) {
                if (line.isBlank()) {
                    continue;
                }
                if (quiet) {
                    LOG.debug("{}", line);
                } else {
                    switch (level) {
                        case Libbpf.LIBBPF_WARN -> LOG.warn("{}", line);
                        case Libbpf.LIBBPF_INFO -> LOG.info("{}", line);
                        default -> LOG.debug("{}", line);
                    }
                }
                if (level != Libbpf.LIBBPF_DEBUG) {
                    if (tail.size() == TAIL_LINES) {
                        tail.removeFirst();
                    }
                    tail.addLast(line);
                }
            }
        } catch (RuntimeException | Error e) {
            // An exception must not unwind through libbpf's C frames.
            LOG.warn("libbpf message lost: {}", e.toString());
        }
        return 0;
    }

    private static String format(Pointer format, Pointer args) {
        Memory out = new Memory(Native.POINTER_SIZE);
        out.setPointer(0, null);
        int n = LibC.vasprintf(out, format, args);
        Pointer text = out.getPointer(0);
        if (n < 0 || text == null) {
            return null;
        }
        try {
            return text.getString(0);
        } finally {
            LibC.free(text);
        }
    }
}
