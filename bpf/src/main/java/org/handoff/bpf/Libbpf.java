package org.handoff.bpf;

import com.sun.jna.Callback;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;
import com.sun.jna.Structure;
import com.sun.jna.Structure.FieldOrder;
import java.util.List;

/**
 * libbpf.so.1 (libbpf 1.x), JNA <em>direct-mapped</em> ({@code Native.register}): the calls
 * this package makes, with their 1.x signatures, and the option structs they take.
 *
 * <p>Rules of the binding:
 * <ul>
 *   <li>Only functions whose 1.x signature is given here (from /usr/include/bpf/libbpf.h and
 *       bpf.h of libbpf 1.1.2). libbpf 1.x also exports names whose meaning changed since 0.x
 *       (the old {@code bpf_prog_load(file, ...)}): never bind one without checking its 1.x
 *       prototype.</li>
 *   <li>libbpf 1.x functions returning {@code int} return {@code -errno} on failure; those
 *       returning a pointer return NULL and set {@code errno} ({@link Native#getLastError()}).</li>
 *   <li>Every {@code *_opts} struct starts with {@code size_t sz}, which must hold the struct's C
 *       {@code sizeof} (libbpf checks it to stay compatible across versions): the JNA
 *       {@link Structure}s below set it from their own size, and a test compares each size and
 *       key offsets with the C compiler's.</li>
 *   <li>C {@code bool} is a Java {@code byte} (JNA's {@code boolean} is a 4-byte int, and a
 *       returned {@code bool} leaves the upper bytes of the register undefined).</li>
 *   <li>Structs are passed as {@link Pointer}s, written before and read after the call
 *       explicitly; map keys and values as pointers into native memory the caller owns.</li>
 * </ul>
 * {@code size_t} is a Java {@code long} (64-bit Linux only, checked on load).
 */
final class Libbpf {
    /** The soname, not the -dev package's libbpf.so link: hosts need only the runtime package. */
    static final String LIBRARY = "libbpf.so.1";

    static final int LIBBPF_WARN = 0;
    static final int LIBBPF_INFO = 1;
    static final int LIBBPF_DEBUG = 2;

    static final int BPF_TC_INGRESS = 1;
    static final int BPF_TC_EGRESS = 1 << 1;
    static final int BPF_TC_F_REPLACE = 1;

    static final int XDP_FLAGS_UPDATE_IF_NOEXIST = 1;
    static final int XDP_FLAGS_SKB_MODE = 1 << 1;
    static final int XDP_FLAGS_DRV_MODE = 1 << 2;
    static final int XDP_FLAGS_REPLACE = 1 << 4;

    static final long BPF_ANY = 0;
    static final long BPF_NOEXIST = 1;
    static final long BPF_EXIST = 2;

    static final int BPF_MAP_TYPE_PERCPU_HASH = 5;
    static final int BPF_MAP_TYPE_PERCPU_ARRAY = 6;
    static final int BPF_MAP_TYPE_LRU_PERCPU_HASH = 10;

    /** sizeof(struct bpf_prog_info) in libbpf 1.1.2's linux/bpf.h; the kernel accepts any length. */
    static final int BPF_PROG_INFO_SIZE = 232;
    static final int BPF_PROG_INFO_ID_OFFSET = 4;
    static final int BPF_PROG_INFO_NAME_OFFSET = 64;
    /** BPF_OBJ_NAME_LEN: names are cut to 15 characters and a NUL. */
    static final int BPF_OBJ_NAME_LEN = 16;

    private static final PrintCallback PRINT = LibbpfLog::print;

    static {
        if (!Platform.isLinux() || Native.LONG_SIZE != 8 || Native.POINTER_SIZE != 8) {
            throw new UnsupportedOperationException("the BPF binding needs 64-bit Linux (os=" + System.getProperty("os.name")
                    + ", long=" + Native.LONG_SIZE + " bytes)");
        }
        Native.register(Libbpf.class, NativeLibrary.getInstance(LIBRARY));
        libbpf_set_print(PRINT);
    }

    private Libbpf() {
    }

    /** Loads the library (once, in the static initializer) and routes its messages into SLF4J. */
    static void load() {
        // the static initializer did the work, or threw
    }

    /** {@code typedef int (*libbpf_print_fn_t)(enum libbpf_print_level, const char *, va_list)}. */
    interface PrintCallback extends Callback {
        int invoke(int level, Pointer format, Pointer args);
    }

    static native Pointer libbpf_set_print(PrintCallback fn);

    static native int libbpf_strerror(int err, Pointer buf, long size);

    static native int libbpf_num_possible_cpus();

    // ---------------------------------------------------------------- objects

    static native Pointer bpf_object__open_mem(Pointer objBuf, long objBufSize, Pointer opts);

    static native Pointer bpf_object__open_file(String path, Pointer opts);

    static native int bpf_object__load(Pointer obj);

    static native void bpf_object__close(Pointer obj);

    static native Pointer bpf_object__find_map_by_name(Pointer obj, String name);

    static native Pointer bpf_object__next_program(Pointer obj, Pointer prev);

    static native Pointer bpf_object__next_map(Pointer obj, Pointer prev);

    // ---------------------------------------------------------------- programs

    static native String bpf_program__name(Pointer prog);

    static native String bpf_program__section_name(Pointer prog);

    static native int bpf_program__fd(Pointer prog);

    static native byte bpf_program__autoload(Pointer prog);

    static native int bpf_program__set_autoload(Pointer prog, byte autoload);

    static native int bpf_prog_test_run_opts(int progFd, Pointer opts);

    static native int bpf_prog_get_fd_by_id(int id);

    static native int bpf_obj_get_info_by_fd(int fd, Pointer info, Pointer infoLen);

    // ---------------------------------------------------------------- maps

    static native String bpf_map__name(Pointer map);

    static native int bpf_map__fd(Pointer map);

    static native int bpf_map__type(Pointer map);

    static native int bpf_map__key_size(Pointer map);

    static native int bpf_map__value_size(Pointer map);

    static native int bpf_map__max_entries(Pointer map);

    static native byte bpf_map__is_internal(Pointer map);

    static native int bpf_map__set_pin_path(Pointer map, String path);

    static native int bpf_map__reuse_fd(Pointer map, int fd);

    static native byte bpf_map__is_pinned(Pointer map);

    static native int bpf_map_update_elem(int fd, Pointer key, Pointer value, long flags);

    static native int bpf_map_lookup_elem(int fd, Pointer key, Pointer value);

    static native int bpf_map_delete_elem(int fd, Pointer key);

    static native int bpf_map_get_next_key(int fd, Pointer key, Pointer nextKey);

    // ---------------------------------------------------------------- tc and XDP

    static native int bpf_tc_hook_create(Pointer hook);

    static native int bpf_tc_hook_destroy(Pointer hook);

    static native int bpf_tc_attach(Pointer hook, Pointer opts);

    static native int bpf_tc_detach(Pointer hook, Pointer opts);

    static native int bpf_tc_query(Pointer hook, Pointer opts);

    static native int bpf_xdp_attach(int ifindex, int progFd, int flags, Pointer opts);

    static native int bpf_xdp_detach(int ifindex, int flags, Pointer opts);

    // ---------------------------------------------------------------- ring buffers

    /** {@code typedef int (*ring_buffer_sample_fn)(void *ctx, void *data, size_t size)}: non-zero stops the poll. */
    interface RingBufferSample extends Callback {
        int invoke(Pointer ctx, Pointer data, long size);
    }

    /** {@code struct ring_buffer *ring_buffer__new(int map_fd, ring_buffer_sample_fn, void *ctx, const struct ring_buffer_opts *)}. */
    static native Pointer ring_buffer__new(int mapFd, RingBufferSample sample, Pointer ctx, Pointer opts);

    /** Records consumed, or -errno; waits up to {@code timeoutMs} (epoll) when none is there. */
    static native int ring_buffer__poll(Pointer rb, int timeoutMs);

    static native void ring_buffer__free(Pointer rb);

    static native int bpf_xdp_query_id(int ifindex, int flags, Pointer progId);

    // ---------------------------------------------------------------- option structs

    /** Base of the {@code *_opts} structs: {@code sz} set to the struct's own size. */
    public abstract static class Opts extends Structure {
        public long sz;

        /** Writes the fields (with {@code sz}) to native memory and returns its address. */
        Pointer written() {
            sz = size();
            super.write();
            return getPointer();
        }

        /** A field's offset as JNA lays the struct out (compared with the C compiler's in the tests). */
        int offsetOf(String field) {
            return fieldOffset(field);
        }

        /** The fields in C order. */
        List<String> fields() {
            return getFieldOrder();
        }
    }

    /** {@code struct bpf_object_open_opts} (80 bytes). */
    @FieldOrder({"sz", "object_name", "relaxed_maps", "pin_root_path", "unused_attach_prog_fd", "kconfig", "btf_custom_path",
        "kernel_log_buf", "kernel_log_size", "kernel_log_level"})
    public static final class ObjectOpenOpts extends Opts {
        public String object_name;
        public byte relaxed_maps;
        public String pin_root_path;
        /** {@code __u32 :32}, where 0.x had attach_prog_fd. */
        public int unused_attach_prog_fd;
        public String kconfig;
        public String btf_custom_path;
        public Pointer kernel_log_buf;
        public long kernel_log_size;
        public int kernel_log_level;
    }

    /** {@code struct bpf_tc_hook} (24 bytes). */
    @FieldOrder({"sz", "ifindex", "attach_point", "parent"})
    public static final class TcHook extends Opts {
        public int ifindex;
        public int attach_point;
        public int parent;
    }

    /** {@code struct bpf_tc_opts} (32 bytes). */
    @FieldOrder({"sz", "prog_fd", "flags", "prog_id", "handle", "priority"})
    public static final class TcOpts extends Opts {
        public int prog_fd;
        public int flags;
        public int prog_id;
        public int handle;
        public int priority;
    }

    /** {@code struct bpf_xdp_attach_opts} (16 bytes). */
    @FieldOrder({"sz", "old_prog_fd"})
    public static final class XdpAttachOpts extends Opts {
        public int old_prog_fd;
    }

    /** {@code struct bpf_test_run_opts} (80 bytes). */
    @FieldOrder({"sz", "data_in", "data_out", "data_size_in", "data_size_out", "ctx_in", "ctx_out", "ctx_size_in",
        "ctx_size_out", "retval", "repeat", "duration", "flags", "cpu", "batch_size"})
    public static final class TestRunOpts extends Opts {
        public Pointer data_in;
        public Pointer data_out;
        public int data_size_in;
        public int data_size_out;
        public Pointer ctx_in;
        public Pointer ctx_out;
        public int ctx_size_in;
        public int ctx_size_out;
        public int retval;
        public int repeat;
        public int duration;
        public int flags;
        public int cpu;
        public int batch_size;
    }
}
