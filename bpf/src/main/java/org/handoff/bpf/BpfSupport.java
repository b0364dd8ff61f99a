package org.handoff.bpf;

import java.util.Optional;

/**
 * Whether this process can use the binding at all, for a {@code datapath: auto} that falls back
 * to user space and says why: 64-bit Linux and libbpf.so.1 loadable. Whether the kernel lets
 * the process load programs (root or CAP_BPF) shows when an object loads, as a
 * {@link BpfException} with the errno.
 */
public final class BpfSupport {
    private BpfSupport() {
    }

    /** Why the binding cannot work here, or empty when libbpf loaded. */
    public static Optional<String> unavailableReason() {
        try {
            Libbpf.load();
            return Optional.empty();
        } catch (UnsatisfiedLinkError | UnsupportedOperationException e) {
            return Optional.of(Libbpf.LIBRARY + " not usable: " + e.getMessage()
                    + " (Debian: apt-get install libbpf1; scripts/install-deps.sh installs it)");
        } catch (ExceptionInInitializerError e) {
            return Optional.of(Libbpf.LIBRARY + " not usable: " + e.getCause());
        } catch (NoClassDefFoundError e) {
            return Optional.of(Libbpf.LIBRARY + " not usable (an earlier attempt to load it failed): " + e.getMessage());
        }
    }
}
