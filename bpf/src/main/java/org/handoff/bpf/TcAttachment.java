package org.handoff.bpf;

import com.sun.jna.Pointer;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A tc program attached as a direct-action filter to an interface's clsact hook, ingress or
 * egress, at a fixed handle and priority ({@code bpf_tc_hook_create}, {@code bpf_tc_attach}).
 *
 * <p><b>Restart.</b> A filter stays attached after the process ends. Attaching where a
 * program of the same name already sits (our own, left by an earlier run) replaces it in
 * one step ({@code BPF_TC_F_REPLACE}); a program of another name there is refused, never
 * replaced.
 *
 * <p><b>Close</b> detaches our filter, if it is still ours, and removes the clsact hook only
 * if this process created it and no other attachment of this process still uses it. To leave
 * the program running while the process restarts, do not close it.
 *
 * <p>Attach and close run in the calling thread's network namespace (netlink); close from a
 * thread in the namespace the attachment was made in.
 */
public final class TcAttachment implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TcAttachment.class);
    private static final int ENOENT = 2;
    private static final int EINVAL = 22;
    private static final int EEXIST = 17;
    /** Hooks (namespace + ifindex) this process's attachments use, and whether it created them. */
    private static final Map<String, HookUse> HOOKS = new HashMap<>();

    private final int ifindex;
    private final Direction direction;
    private final int handle;
    private final int priority;
    private final String programName;
    private final int programId;
    private final String netns;
    private final String hookKey;
    private boolean closed;

    /** Which side of the interface. */
    public enum Direction {
        INGRESS(Libbpf.BPF_TC_INGRESS), EGRESS(Libbpf.BPF_TC_EGRESS);

        final int attachPoint;

        Direction(int attachPoint) {
            this.attachPoint = attachPoint;
        }
    }

    private TcAttachment(int ifindex, Direction direction, int handle, int priority, String programName, int programId,
                         String netns, String hookKey) {
        this.ifindex = ifindex;
        this.direction = direction;
        this.handle = handle;
        this.priority = priority;
        this.programName = programName;
        this.programId = programId;
        this.netns = netns;
        this.hookKey = hookKey;
    }

    /**
     * Attaches {@code program} to {@code direction} of interface {@code ifindex} (creating the
     * clsact hook when there is none) at {@code handle} and {@code priority} (both 1+), or
     * replaces our own program of the same name left there by an earlier run.
     */
    public static TcAttachment attach(int ifindex, Direction direction, BpfProgram program, int handle, int priority) {
        if (handle <= 0 || priority <= 0 || priority > 0xffff) {
            throw new IllegalArgumentException("tc handle " + handle + ", priority " + priority + " (expected: handle 1+, priority 1..65535)");
        }
        String where = "ifindex " + ifindex + " " + direction.name().toLowerCase() + " handle " + handle + " priority " + priority;
        int fd = program.fd();
        String netns = NetNamespace.current();
        String hookKey = netns + "/" + ifindex;
        synchronized (HOOKS) {
            Libbpf.TcHook hook = hook(ifindex, direction);
            Pointer hookPointer = hook.written();
            int rc = LibbpfLog.expectingFailure(() -> Libbpf.bpf_tc_hook_create(hookPointer));
            if (rc != 0 && rc != -EEXIST) {
                throw BpfException.of("bpf_tc_hook_create", "clsact on ifindex " + ifindex, rc);
            }
            HookUse use = HOOKS.computeIfAbsent(hookKey, k -> new HookUse());
            use.created |= rc == 0;
            use.users++;
            try {
                int present = query(hook, handle, priority, where);
                if (present != 0) {
                    ProgramInfo info = ProgramInfo.ofId(present);
                    if (info != null && !info.isNamed(program.name())) {
                        throw new BpfException("tc " + where + " holds program '" + info.name() + "' (id " + present
                                + "), not '" + program.name() + "': refusing to replace it");
                    }
                    LOG.info("tc {}: replacing program {} (id {}) left by an earlier run", where, program.name(), present);
                }
                Libbpf.TcOpts opts = new Libbpf.TcOpts();
                opts.prog_fd = fd;
                opts.flags = Libbpf.BPF_TC_F_REPLACE;
                opts.handle = handle;
                opts.priority = priority;
                LibbpfLog.clear();
                rc = Libbpf.bpf_tc_attach(hook.written(), opts.written());
                if (rc != 0) {
                    throw BpfException.of("bpf_tc_attach", program.name() + " on " + where, rc);
                }
                opts.read();
                return new TcAttachment(ifindex, direction, handle, priority, program.name(), opts.prog_id, netns, hookKey);
            } catch (RuntimeException e) {
                try {
                    release(hookKey, ifindex);
                } catch (RuntimeException cleanup) {
                    e.addSuppressed(cleanup);
                }
                throw e;
            }
        }
    }

    /**
     * The id of the program at handle/priority of this hook, or 0 when there is none. The kernel
     * answers EINVAL ("Cannot find specified filter chain") while the hook has no filter at all,
     * ENOENT when it has others: both mean none (our own arguments were checked).
     */
    private static int query(Libbpf.TcHook hook, int handle, int priority, String where) {
        Libbpf.TcOpts opts = new Libbpf.TcOpts();
        opts.handle = handle;
        opts.priority = priority;
        Pointer hookPointer = hook.written();
        Pointer optsPointer = opts.written();
        int rc = LibbpfLog.expectingFailure(() -> Libbpf.bpf_tc_query(hookPointer, optsPointer));
        if (rc == -ENOENT || rc == -EINVAL) {
            return 0;
        }
        if (rc != 0) {
            throw BpfException.of("bpf_tc_query", where, rc);
        }
        opts.read();
        return opts.prog_id;
    }

    private static Libbpf.TcHook hook(int ifindex, Direction direction) {
        Libbpf.TcHook hook = new Libbpf.TcHook();
        hook.ifindex = ifindex;
        hook.attach_point = direction.attachPoint;
        return hook;
    }

    /** One user fewer of the hook; the last one removes the clsact qdisc if this process created it. */
    private static void release(String hookKey, int ifindex) {
        HookUse use = HOOKS.get(hookKey);
        if (use == null || --use.users > 0) {
            return;
        }
        HOOKS.remove(hookKey);
        if (use.created) {
            Libbpf.TcHook both = new Libbpf.TcHook();
            both.ifindex = ifindex;
            both.attach_point = Libbpf.BPF_TC_INGRESS | Libbpf.BPF_TC_EGRESS;
            LibbpfLog.clear();
            int rc = Libbpf.bpf_tc_hook_destroy(both.written());
            if (rc != 0 && rc != -ENOENT) {
                throw BpfException.of("bpf_tc_hook_destroy", "clsact on ifindex " + ifindex, rc);
            }
        }
    }

    public int ifindex() {
        return ifindex;
    }

    public Direction direction() {
        return direction;
    }

    public int handle() {
        return handle;
    }

    public int priority() {
        return priority;
    }

    /** The kernel's id of the attached program. */
    public int programId() {
        return programId;
    }

    /**
     * Detaches the filter if our program is still the one there, and removes the clsact hook
     * if this process created it and nothing else of ours uses it. Idempotent.
     */
    @Override
    public void close() {
        synchronized (HOOKS) {
            if (closed) {
                return;
            }
            NetNamespace.check(netns, this);
            closed = true;
            String where = "ifindex " + ifindex + " " + direction.name().toLowerCase() + " handle " + handle + " priority " + priority;
            try {
                Libbpf.TcHook hook = hook(ifindex, direction);
                int present = query(hook, handle, priority, where);
                if (present == programId) {
                    Libbpf.TcOpts opts = new Libbpf.TcOpts();
                    opts.handle = handle;
                    opts.priority = priority;
                    LibbpfLog.clear();
                    int rc = Libbpf.bpf_tc_detach(hook.written(), opts.written());
                    if (rc != 0 && rc != -ENOENT) {
                        throw BpfException.of("bpf_tc_detach", programName + " on " + where, rc);
                    }
                } else if (present != 0) {
                    LOG.warn("tc {}: program id {} replaced ours ({}, id {}) meanwhile; left attached", where, present, programName,
                            programId);
                }
            } finally {
                release(hookKey, ifindex);
            }
        }
    }

    @Override
    public String toString() {
        return "TcAttachment[" + programName + " (id " + programId + ") on ifindex " + ifindex + " "
                + direction.name().toLowerCase() + ", handle " + handle + ", priority " + priority + (closed ? ", closed" : "") + "]";
    }

    private static final class HookUse {
        boolean created;
        int users;
    }
}
