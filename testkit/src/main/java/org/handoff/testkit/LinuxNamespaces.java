package org.handoff.testkit;

import com.sun.jna.Library;
import com.sun.jna.Native;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.handoff.lab.LabException;

/**
 * Runs Java code with its thread moved into a named network namespace ({@code setns(2)}).
 *
 * <p>A network namespace belongs to a thread, not to the process: the code runs on a fresh
 * thread that enters the namespace and then ends, so no pooled thread is ever left inside a
 * lab namespace. Sockets and file descriptors opened there (a TUN device, a raw socket) stay
 * bound to that namespace and can be used from any thread afterwards.
 */
final class LinuxNamespaces {
    private static final int O_RDONLY = 0;
    private static final int O_CLOEXEC = 0x80000;
    private static final int CLONE_NEWNET = 0x40000000;

    interface LibC extends Library {
        LibC INSTANCE = Native.load("c", LibC.class);

        int open(String path, int flags);

        int setns(int fd, int nstype);

        int close(int fd);
    }

    private LinuxNamespaces() {
    }

    static <T> T callIn(String netnsName, Callable<T> task, long timeoutMillis) throws Exception {
        FutureTask<T> future = new FutureTask<>(() -> {
            enter(netnsName);
            return task.call();
        });
        Thread t = new Thread(future, "netns-" + netnsName);
        t.setDaemon(true);
        t.start();
        try {
            return future.get(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof Exception ex) {
                throw ex;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw e;
        } catch (TimeoutException e) {
            t.interrupt();
            throw new LabException("task in namespace " + netnsName + " still running after " + timeoutMillis + " ms", e);
        }
    }

    private static void enter(String netnsName) {
        String path = "/run/netns/" + netnsName;
        int fd = LibC.INSTANCE.open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            throw new LabException("open(" + path + ") failed: errno " + Native.getLastError());
        }
        try {
            if (LibC.INSTANCE.setns(fd, CLONE_NEWNET) != 0) {
                throw new LabException("setns(" + path + ", CLONE_NEWNET) failed: errno " + Native.getLastError());
            }
        } finally {
            LibC.INSTANCE.close(fd);
        }
    }
}
