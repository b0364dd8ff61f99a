package org.handoff.agent.link;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import org.junit.jupiter.api.Test;

/** The direct-mapped calls report errno through Native.getLastError(), which the link relies on. */
class PosixTest {
    @Test
    void directMappedCallsReportErrno() {
        Memory m = new Memory(16);
        assertEquals(-1, Posix.read(-1, m, 16));
        assertEquals(9, Native.getLastError()); // EBADF
        assertEquals(-1, Posix.write(-1, m, 16));
        assertEquals(9, Native.getLastError());
    }

    @Test
    void eventfdWakesPpoll() {
        int efd = Posix.eventfd(0, Posix.EFD_NONBLOCK | Posix.EFD_CLOEXEC);
        try {
            Memory fds = new Memory(8);
            fds.setInt(0, efd);
            fds.setShort(4, Posix.POLLIN);
            fds.setShort(6, (short) 0);
            Memory ts = new Memory(16);
            ts.setLong(0, 0);
            ts.setLong(8, 1_000_000); // 1 ms
            assertEquals(0, Posix.ppoll(fds, 1, ts, null));
            Memory one = new Memory(8);
            one.setLong(0, 1);
            assertEquals(8, Posix.write(efd, one, 8));
            assertEquals(1, Posix.ppoll(fds, 1, ts, null));
            assertEquals(Posix.POLLIN, fds.getShort(6));
        } finally {
            Posix.close(efd);
        }
    }

    @Test
    void describeNamesTheError() {
        assertEquals("errno 16 (Device or resource busy)", Posix.describe(16));
    }
}
