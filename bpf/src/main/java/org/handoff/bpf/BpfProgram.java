package org.handoff.bpf;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;

/**
 * One program of a {@link BpfObject}: its name, section and file descriptor once loaded, and
 * {@link #testRun} ({@code BPF_PROG_TEST_RUN}), which runs it on a given packet in the kernel
 * without attaching it anywhere: how golden packets are run through the programs.
 */
public final class BpfProgram {
    /**
     * Room {@link #testRun(byte[], int)} leaves in the output beyond the input's length: a
     * program may grow the packet (encapsulation adds 44 bytes; XDP's headroom is 256).
     */
    public static final int TEST_RUN_OUTPUT_HEADROOM = 512;

    private final BpfObject owner;
    private final Pointer prog;
    private final String name;
    private final String section;

    BpfProgram(BpfObject owner, Pointer prog) {
        this.owner = owner;
        this.prog = prog;
        this.name = Libbpf.bpf_program__name(prog);
        this.section = Libbpf.bpf_program__section_name(prog);
    }

    /** The C function's name. */
    public String name() {
        return name;
    }

    /** The ELF section, e.g. {@code tc} or {@code xdp} (without the {@code ?} that turns autoload off). */
    public String section() {
        return section;
    }

    /** Whether {@link BpfObject#load()} loads this program. */
    public boolean autoload() {
        owner.checkOpen();
        return Libbpf.bpf_program__autoload(prog);
    }

    /** Before {@link BpfObject#load()}: whether to load this program. */
    public BpfProgram autoload(boolean load) {
        owner.checkOpen();
        int rc = Libbpf.bpf_program__set_autoload(prog, load);
        if (rc != 0) {
            throw BpfException.of("bpf_program__set_autoload", owner.name() + ": " + name, rc);
        }
        return this;
    }

    /** The loaded program's file descriptor (owned by its object). */
    public int fd() {
        owner.checkOpen();
        int fd = Libbpf.bpf_program__fd(prog);
        if (fd < 0) {
            throw new IllegalStateException("program " + name + " of " + owner.name() + " is not loaded"
                    + (owner.isLoaded() ? " (autoload off)" : " (load() first)"));
        }
        return fd;
    }

    /** The kernel's id of the loaded program (what {@code bpftool prog} lists). */
    public int id() {
        return ProgramInfo.of(fd()).id();
    }

    /** {@link #testRun(byte[], byte[], int, int)} without a context, with room for {@value #TEST_RUN_OUTPUT_HEADROOM} more bytes. */
    public TestRunResult testRun(byte[] dataIn, int repeat) {
        return testRun(dataIn, null, dataIn.length + TEST_RUN_OUTPUT_HEADROOM, repeat);
    }

    /**
     * Runs the program {@code repeat} times on {@code dataIn} (a whole frame: Ethernet header
     * first for tc and XDP programs), with {@code ctxIn} as its context ({@code struct
     * __sk_buff} for tc, {@code struct xdp_md} for XDP; null for none), and returns its return
     * value, the packet as it left the program and the mean run time.
     *
     * @param dataOutCapacity the most output bytes to take; a longer output fails with ENOSPC
     */
    public TestRunResult testRun(byte[] dataIn, byte[] ctxIn, int dataOutCapacity, int repeat) {
        if (repeat < 1) {
            throw new IllegalArgumentException("repeat " + repeat + " (expected: 1+)");
        }
        if (dataOutCapacity < 1) {
            throw new IllegalArgumentException("dataOutCapacity " + dataOutCapacity + " (expected: 1+)");
        }
        int fd = fd();
        try (Memory in = copy(dataIn); Memory out = new Memory(dataOutCapacity);
                Memory ctx = ctxIn == null ? null : copy(ctxIn); Memory ctxOut = ctxIn == null ? null : new Memory(ctxIn.length)) {
            Libbpf.TestRunOpts opts = new Libbpf.TestRunOpts();
            opts.data_in = in;
            opts.data_size_in = dataIn.length;
            opts.data_out = out;
            opts.data_size_out = dataOutCapacity;
            if (ctxIn != null) {
                opts.ctx_in = ctx;
                opts.ctx_size_in = ctxIn.length;
                opts.ctx_out = ctxOut;
                opts.ctx_size_out = ctxIn.length;
            }
            opts.repeat = repeat;
            LibbpfLog.clear();
            int rc = Libbpf.bpf_prog_test_run_opts(fd, opts.written());
            opts.read();
            if (rc != 0) {
                String detail = name + ", " + dataIn.length + " bytes in, room for " + dataOutCapacity
                        + (opts.data_size_out > dataOutCapacity ? " (output was " + opts.data_size_out + ")" : "");
                throw BpfException.of("bpf_prog_test_run_opts", detail, rc);
            }
            byte[] data = out.getByteArray(0, opts.data_size_out);
            byte[] context = ctxIn == null ? null : ctxOut.getByteArray(0, opts.ctx_size_out);
            return new TestRunResult(opts.retval, data, context, opts.duration);
        }
    }

    private static Memory copy(byte[] bytes) {
        if (bytes.length == 0) {
            throw new IllegalArgumentException("empty input (expected: 1+ bytes)");
        }
        Memory m = new Memory(bytes.length);
        m.write(0, bytes, 0, bytes.length);
        return m;
    }

    @Override
    public String toString() {
        return "BpfProgram[" + name + ", section " + section + ", " + owner.name() + "]";
    }
}
