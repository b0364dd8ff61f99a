package org.handoff.bpf;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;

/**
 * The libc calls the binding makes around libbpf: bpffs mounts, interface indexes, file
 * descriptors of programs found by id, and formatting libbpf's {@code va_list} messages.
 * Direct-mapped; {@link Native#getLastError()} gives {@code errno} after each call.
 */
final class LibC {
    /** statfs(2)'s f_type of a bpffs (BPF_FS_MAGIC, linux/magic.h). */
    static final long BPF_FS_MAGIC = 0xcafe4a11L;
    /** sizeof(struct statfs) on x86_64 and aarch64; f_type is its first field (a long). */
    static final int STATFS_SIZE = 120;

    static {
        Native.register(LibC.class, NativeLibrary.getInstance(Platform.C_LIBRARY_NAME));
    }

    private LibC() {
    }

    static native int mount(String source, String target, String fsType, long flags, Pointer data);

    static native int umount2(String target, int flags);

    static native int statfs(String path, Pointer buf);

    static native int if_nametoindex(String name);

    static native int close(int fd);

    /** {@code int vasprintf(char **strp, const char *fmt, va_list ap)}: {@code va_list} is a pointer on x86_64. */
    static native int vasprintf(Pointer strp, Pointer format, Pointer args);

    static native void free(Pointer p);
}
