package org.handoff.bpf;

import com.sun.jna.Memory;
import java.util.List;

/**
 * A libbpf or BPF system call failed. The message names the call and what it was applied to,
 * the error's text and number, and, when libbpf explained it (a verifier rejection, a pinned
 * map that does not match), libbpf's last lines:
 * {@code bpf_object__load(agent_egress.bpf.o): Operation not permitted (errno 1)}.
 */
public final class BpfException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private static final int STRERROR_SIZE = 128;

    private final int errno;
    private final transient List<String> libbpfLog;

    public BpfException(String message) {
        super(message);
        this.errno = 0;
        this.libbpfLog = List.of();
    }

    private BpfException(String message, int errno, List<String> libbpfLog) {
        super(message);
        this.errno = errno;
        this.libbpfLog = libbpfLog;
    }

    /**
     * {@code call(subject): text (errno N)} followed by libbpf's last lines on this thread, if
     * any. {@code err} may be negative (libbpf's return values) or positive (errno).
     */
    static BpfException of(String call, String subject, int err, List<String> libbpfLog) {
        int errno = Math.abs(err);
        StringBuilder message = new StringBuilder(call).append('(').append(subject).append("): ")
                .append(describe(errno));
        if (!libbpfLog.isEmpty()) {
            message.append("; libbpf said:");
            for (String line : libbpfLog) {
                message.append("\n  ").append(line);
            }
        }
        return new BpfException(message.toString(), errno, List.copyOf(libbpfLog));
    }

    /** {@link #of(String, String, int, List)} with libbpf's last lines on this thread. */
    static BpfException of(String call, String subject, int err) {
        return of(call, subject, err, LibbpfLog.tail());
    }

    /** "Operation not permitted (errno 1)": libbpf's text, which also knows its own codes (4000+). */
    static String describe(int errno) {
        Memory buf = new Memory(STRERROR_SIZE);
        buf.clear();
        Libbpf.libbpf_strerror(errno, buf, STRERROR_SIZE);
        String text = buf.getString(0);
        return (text.isEmpty() ? "unknown error" : text) + " (errno " + errno + ")";
    }

    /** The error number (positive), or 0 when the failure was not a failed call. */
    public int errno() {
        return errno;
    }

    /** libbpf's last warn and info lines before the failure, oldest first (may be empty). */
    public List<String> libbpfLog() {
        return libbpfLog;
    }
}
