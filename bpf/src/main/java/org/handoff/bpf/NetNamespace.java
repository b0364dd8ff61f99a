package org.handoff.bpf;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The calling thread's network namespace, as {@code net:[INODE]}. tc and XDP attachments are
 * made over netlink in the caller's namespace and must be removed from the same one: a
 * network namespace belongs to a thread ({@code setns(2)}), so two threads of one process can
 * be in different ones.
 */
final class NetNamespace {
    private static final Path THREAD_NETNS = Path.of("/proc/thread-self/ns/net");

    private NetNamespace() {
    }

    static String current() {
        try {
            return Files.readSymbolicLink(THREAD_NETNS).toString();
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + THREAD_NETNS, e);
        }
    }

    /** Throws unless the calling thread is in {@code expected}. */
    static void check(String expected, Object what) {
        String now = current();
        if (!now.equals(expected)) {
            throw new IllegalStateException(what + " was made in network namespace " + expected + " but this thread is in " + now
                    + ": detach from a thread in the same namespace");
        }
    }
}
