package org.handoff.bpf;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An XDP program attached to an interface ({@code bpf_xdp_attach}) in a mode the caller
 * chooses, with any fallback listed explicitly:
 * {@code XdpAttachment.attach(ifindex, prog, XdpMode.NATIVE, XdpMode.GENERIC)} tries the
 * driver's native XDP first and says in the log why it fell back.
 *
 * <p><b>Restart.</b> The program stays attached after the process ends. Attaching where a
 * program of the same name already sits in that mode (our own, left by an earlier run)
 * replaces it atomically ({@code XDP_FLAGS_REPLACE} with the old program); a program of
 * another name is refused, never replaced.
 *
 * <p><b>Close</b> detaches the program only if it is still the one attached. Attach and close
 * run in the calling thread's network namespace; close from a thread in the same one.
 */
public final class XdpAttachment implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(XdpAttachment.class);
    private static final int EEXIST = 17;

    private final int ifindex;
    private final XdpMode mode;
    private final String programName;
    private final int programId;
    private final String netns;
    private boolean closed;

    /** Where the program runs. */
    public enum XdpMode {
        /** In the driver, before an skb exists ({@code XDP_FLAGS_DRV_MODE}); veth supports it. */
        NATIVE(Libbpf.XDP_FLAGS_DRV_MODE),
        /** After the skb is built, on any device ({@code XDP_FLAGS_SKB_MODE}); slower. */
        GENERIC(Libbpf.XDP_FLAGS_SKB_MODE);

        final int flags;

        XdpMode(int flags) {
            this.flags = flags;
        }
    }

    private XdpAttachment(int ifindex, XdpMode mode, String programName, int programId, String netns) {
        this.ifindex = ifindex;
        this.mode = mode;
        this.programName = programName;
        this.programId = programId;
        this.netns = netns;
    }

    /**
     * Attaches {@code program} to interface {@code ifindex} in the first of {@code modes} that
     * works; throws with every mode's failure when none does.
     */
    public static XdpAttachment attach(int ifindex, BpfProgram program, XdpMode... modes) {
        if (modes.length == 0) {
            throw new IllegalArgumentException("no XDP mode given (expected: NATIVE, GENERIC or both, in order of preference)");
        }
        List<BpfException> failures = new ArrayList<>();
        for (XdpMode mode : modes) {
            try {
                XdpAttachment attachment = attachIn(ifindex, program, mode);
                if (!failures.isEmpty()) {
                    LOG.warn("XDP {} on ifindex {}: attached in {} mode after: {}", program.name(), ifindex, mode, failures);
                }
                return attachment;
            } catch (BpfException e) {
                failures.add(e);
            }
        }
        if (failures.size() == 1) {
            throw failures.get(0);
        }
        BpfException all = new BpfException("XDP " + program.name() + " on ifindex " + ifindex + ": no mode of " + List.of(modes)
                + " worked: " + failures.stream().map(Throwable::getMessage).toList());
        failures.forEach(all::addSuppressed);
        throw all;
    }

    private static XdpAttachment attachIn(int ifindex, BpfProgram program, XdpMode mode) {
        String where = "ifindex " + ifindex + ", " + mode + " mode";
        int fd = program.fd();
        String netns = NetNamespace.current();
        int present = attachedId(ifindex, mode);
        LibbpfLog.clear();
        int rc;
        if (present == 0) {
            rc = Libbpf.bpf_xdp_attach(ifindex, fd, mode.flags | Libbpf.XDP_FLAGS_UPDATE_IF_NOEXIST, null);
        } else {
            rc = replace(ifindex, fd, mode, present, program.name(), where);
        }
        if (rc != 0) {
            throw BpfException.of("bpf_xdp_attach", program.name() + " on " + where, rc);
        }
        return new XdpAttachment(ifindex, mode, program.name(), ProgramInfo.of(fd).id(), netns);
    }

    /** Replaces the program with id {@code present} by ours, if it carries our program's name. */
    private static int replace(int ifindex, int fd, XdpMode mode, int present, String programName, String where) {
        int oldFd = Libbpf.bpf_prog_get_fd_by_id(present);
        if (oldFd < 0) {
            throw BpfException.of("bpf_prog_get_fd_by_id", "id " + present + " attached on " + where, oldFd);
        }
        try {
            ProgramInfo info = ProgramInfo.of(oldFd);
            if (!info.isNamed(programName)) {
                throw new BpfException("XDP on " + where + " holds program '" + info.name() + "' (id " + present + "), not '"
                        + programName + "': refusing to replace it");
            }
            LOG.info("XDP on {}: replacing program {} (id {}) left by an earlier run", where, programName, present);
            Libbpf.XdpAttachOpts opts = new Libbpf.XdpAttachOpts();
            opts.old_prog_fd = oldFd;
            return Libbpf.bpf_xdp_attach(ifindex, fd, mode.flags | Libbpf.XDP_FLAGS_REPLACE, opts.written());
        } finally {
            LibC.close(oldFd);
        }
    }

    /** The id of the program attached to {@code ifindex} in {@code mode}, or 0. */
    private static int attachedId(int ifindex, XdpMode mode) {
        try (Memory id = new Memory(Integer.BYTES)) {
            id.setInt(0, 0);
            int rc = Libbpf.bpf_xdp_query_id(ifindex, mode.flags, id);
            if (rc != 0) {
                throw BpfException.of("bpf_xdp_query_id", "ifindex " + ifindex + ", " + mode + " mode", rc);
            }
            return id.getInt(0);
        }
    }

    public int ifindex() {
        return ifindex;
    }

    /** The mode it attached in. */
    public XdpMode mode() {
        return mode;
    }

    /** The kernel's id of the attached program. */
    public int programId() {
        return programId;
    }

    /** Detaches the program if it is still ours (an atomic compare with the attached one). Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        NetNamespace.check(netns, this);
        closed = true;
        String where = "ifindex " + ifindex + ", " + mode + " mode";
        int fd = Libbpf.bpf_prog_get_fd_by_id(programId);
        if (fd < 0) {
            LOG.warn("XDP {} (id {}) on {}: gone already", programName, programId, where);
            return;
        }
        try {
            Libbpf.XdpAttachOpts opts = new Libbpf.XdpAttachOpts();
            opts.old_prog_fd = fd;
            Pointer optsPointer = opts.written();
            // Its own warning below says it better than the kernel's "does not match expected".
            int rc = LibbpfLog.expectingFailure(() -> Libbpf.bpf_xdp_detach(ifindex, mode.flags, optsPointer));
            if (rc == -EEXIST) {
                LOG.warn("XDP on {}: another program replaced {} (id {}) meanwhile; left attached", where, programName, programId);
            } else if (rc != 0) {
                throw BpfException.of("bpf_xdp_detach", programName + " on " + where, rc);
            }
        } finally {
            LibC.close(fd);
        }
    }

    @Override
    public String toString() {
        return "XdpAttachment[" + programName + " (id " + programId + ") on ifindex " + ifindex + ", " + mode
                + (closed ? ", closed" : "") + "]";
    }
}
