package org.handoff.agent.link;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.jna.Memory;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The link's read/write/wait/close logic without root: a {@code SOCK_SEQPACKET} socket pair keeps
 * packet boundaries the way a TUN descriptor does. The other end plays the local stack.
 */
class TunLinkTest {
    private int peer;
    private TunLink link;
    private final Memory peerBuf = new Memory(TunLink.MAX_PACKET);

    @BeforeEach
    void pair() throws IOException {
        int[] sv = new int[2];
        assertEquals(0, Posix.socketpair(Posix.AF_UNIX, Posix.SOCK_SEQPACKET | Posix.SOCK_NONBLOCK | Posix.SOCK_CLOEXEC, 0, sv));
        link = TunLink.wrap("pair", sv[0]);
        peer = sv[1];
    }

    @AfterEach
    void close() throws IOException {
        link.close();
        if (peer >= 0) {
            Posix.close(peer);
        }
    }

    /** The "local stack" emits one packet towards the link. */
    private void stackEmits(byte[] packet) {
        peerBuf.write(0, packet, 0, packet.length);
        assertEquals(packet.length, Posix.write(peer, peerBuf, packet.length));
    }

    private static byte[] ipv4(int len, int fill) {
        byte[] p = new byte[len];
        Arrays.fill(p, (byte) fill);
        p[0] = 0x45;
        return p;
    }

    @Test
    void readsOnePacketAtTheGivenOffset() throws IOException {
        byte[] packet = ipv4(60, 7);
        stackEmits(packet);
        byte[] buf = new byte[100];
        Arrays.fill(buf, (byte) 0xee);
        assertEquals(60, link.read(buf, 10, 90, 0));
        assertArrayEquals(packet, Arrays.copyOfRange(buf, 10, 70));
        assertEquals((byte) 0xee, buf[9]);
        assertEquals((byte) 0xee, buf[70]);
        assertEquals(1, link.packetsRead());
    }

    @Test
    void skipsWhatIsNotIpv4() throws IOException {
        byte[] v6 = new byte[48];
        v6[0] = 0x60;
        stackEmits(v6);
        stackEmits(v6);
        byte[] v4 = ipv4(40, 1);
        stackEmits(v4);
        byte[] buf = new byte[1500];
        assertEquals(40, link.read(buf, 0, buf.length, 0));
        assertEquals(2, link.skippedNotIpv4());
    }

    @Test
    void dropsPacketsLargerThanTheCallersBuffer() throws IOException {
        stackEmits(ipv4(1400, 2));
        stackEmits(ipv4(100, 3));
        byte[] buf = new byte[200];
        assertEquals(100, link.read(buf, 0, buf.length, 0));
        assertEquals(3, buf[1]);
        assertEquals(1, link.droppedTooLarge());
    }

    @Test
    void timesOutWithZeroWithoutSpinning() throws IOException {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        byte[] buf = new byte[1500];
        assertEquals(0, link.read(buf, 0, buf.length, 0), "no wait at all");
        long cpu0 = mx.getCurrentThreadCpuTime();
        long t0 = System.nanoTime();
        assertEquals(0, link.read(buf, 0, buf.length, TimeUnit.MILLISECONDS.toNanos(300)));
        long wall = System.nanoTime() - t0;
        long cpu = mx.getCurrentThreadCpuTime() - cpu0;
        assertTrue(wall >= TimeUnit.MILLISECONDS.toNanos(290), "waited " + wall / 1_000_000 + " ms (expected: ~300)");
        assertTrue(cpu < TimeUnit.MILLISECONDS.toNanos(30), "used " + cpu / 1_000_000 + " ms of CPU while idle (expected: ~0)");
    }

    @Test
    void aWaitingReaderWakesForAPacket() throws Exception {
        byte[] buf = new byte[1500];
        CompletableFuture<Integer> r = CompletableFuture.supplyAsync(() -> {
            try {
                return link.read(buf, 0, buf.length, TimeUnit.SECONDS.toNanos(5));
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        Thread.sleep(100);
        long t0 = System.nanoTime();
        stackEmits(ipv4(52, 9));
        assertEquals(52, r.get(2, TimeUnit.SECONDS));
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(1));
    }

    @Test
    void closeFromAnotherThreadWakesTheReader() throws Exception {
        byte[] buf = new byte[1500];
        CompletableFuture<Integer> r = CompletableFuture.supplyAsync(() -> {
            try {
                return link.read(buf, 0, buf.length, TimeUnit.SECONDS.toNanos(10));
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        Thread.sleep(100);
        long t0 = System.nanoTime();
        link.close();
        assertEquals(-1, r.get(2, TimeUnit.SECONDS));
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(1));
        assertEquals(-1, link.read(buf, 0, buf.length, 0));
        IOException e = assertThrows(IOException.class, () -> link.write(buf, 0, 40));
        assertEquals("tun link pair is closed", e.getMessage());
        link.close(); // idempotent
    }

    @Test
    void wakeReaderEndsAWaitWithZeroAndTheLinkGoesOn() throws Exception {
        byte[] buf = new byte[1500];
        CompletableFuture<Integer> r = CompletableFuture.supplyAsync(() -> {
            try {
                return link.read(buf, 0, buf.length, TimeUnit.SECONDS.toNanos(10));
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        Thread.sleep(100);
        long t0 = System.nanoTime();
        link.wakeReader();
        assertEquals(0, r.get(2, TimeUnit.SECONDS), "woken: as on a timeout, not closed");
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(1));
        link.wakeReader(); // before a wait: the next wait ends at once, once
        assertEquals(0, link.read(buf, 0, buf.length, TimeUnit.SECONDS.toNanos(5)));
        stackEmits(ipv4(52, 9));
        assertEquals(52, link.read(buf, 0, buf.length, TimeUnit.SECONDS.toNanos(5)), "packets are read as before");
        long t1 = System.nanoTime();
        assertEquals(0, link.read(buf, 0, buf.length, TimeUnit.MILLISECONDS.toNanos(200)), "the signal was consumed");
        assertTrue(System.nanoTime() - t1 >= TimeUnit.MILLISECONDS.toNanos(190));
    }

    @Test
    void writeInjectsExactlyThePacket() throws IOException {
        byte[] buf = new byte[200];
        byte[] packet = ipv4(80, 5);
        System.arraycopy(packet, 0, buf, 33, 80);
        link.write(buf, 33, 80);
        assertEquals(80, Posix.read(peer, peerBuf, TunLink.MAX_PACKET));
        byte[] got = new byte[80];
        peerBuf.read(0, got, 0, 80);
        assertArrayEquals(packet, got);
        assertEquals(1, link.packetsWritten());
    }

    @Test
    void theOtherEndGoneIsClosed() throws IOException {
        Posix.close(peer);
        peer = -1;
        byte[] buf = new byte[100];
        assertEquals(-1, link.read(buf, 0, buf.length, TimeUnit.SECONDS.toNanos(1)));
    }

    /** A link that reads and writes frames behind a virtio-net header, as with offloads. */
    private TunLink vnetLink(int[] peerOut) throws IOException {
        int[] sv = new int[2];
        assertEquals(0, Posix.socketpair(Posix.AF_UNIX, Posix.SOCK_SEQPACKET | Posix.SOCK_NONBLOCK | Posix.SOCK_CLOEXEC, 0, sv));
        peerOut[0] = sv[1];
        return TunLink.wrap("vnet", sv[0], TunLink.VNET_HEADER_LENGTH);
    }

    private byte[] peerReads(int fd) {
        long n = Posix.read(fd, peerBuf, TunLink.MAX_FRAME);
        byte[] got = new byte[(int) n];
        peerBuf.read(0, got, 0, got.length);
        return got;
    }

    @Test
    void withOffloadsReadsKeepTheHeaderAndWritesAddOne() throws IOException {
        int[] p = new int[1];
        try (TunLink v = vnetLink(p)) {
            assertEquals(TunLink.VNET_HEADER_LENGTH, v.frameHeaderLength());
            byte[] frame = new byte[10 + 60];
            frame[0] = 1; // NEEDS_CSUM
            frame[6] = 20;
            frame[8] = 16;
            System.arraycopy(ipv4(60, 4), 0, frame, 10, 60);
            peerBuf.write(0, frame, 0, frame.length);
            assertEquals(frame.length, Posix.write(p[0], peerBuf, frame.length));
            byte[] v6 = new byte[10 + 48];
            v6[10] = 0x60; // the version nibble is looked for after the header
            peerBuf.write(0, v6, 0, v6.length);
            Posix.write(p[0], peerBuf, v6.length);
            peerBuf.write(0, frame, 0, frame.length);
            Posix.write(p[0], peerBuf, frame.length);
            byte[] buf = new byte[200];
            assertEquals(70, v.read(buf, 0, buf.length, 0));
            assertArrayEquals(frame, Arrays.copyOf(buf, 70), "header and packet, as read");
            assertEquals(70, v.read(buf, 0, buf.length, 0));
            assertEquals(1, v.skippedNotIpv4());

            byte[] packet = ipv4(40, 6);
            v.write(packet, 0, packet.length);
            byte[] got = peerReads(p[0]);
            assertEquals(50, got.length);
            assertArrayEquals(new byte[10], Arrays.copyOf(got, 10), "a plain packet goes behind an all-zero header");
            assertArrayEquals(packet, Arrays.copyOfRange(got, 10, 50));

            assertEquals(0, v.writeFrame(frame, 0, frame.length));
            assertArrayEquals(frame, peerReads(p[0]), "a frame goes as given");
            v.write(packet, 0, packet.length);
            assertArrayEquals(new byte[10], Arrays.copyOf(peerReads(p[0]), 10), "the header of a frame written before is not reused");
            assertEquals(22, v.writeFrame(frame, 0, 10), "a header and no packet: EINVAL, not thrown");
            assertEquals(1, v.framesWritten());
            assertEquals(2, v.packetsWritten());
        } finally {
            Posix.close(p[0]);
        }
    }

    @Test
    void writeFrameNeedsOffloads() {
        byte[] buf = new byte[50];
        assertThrows(IllegalStateException.class, () -> link.writeFrame(buf, 0, 50));
        assertEquals(0, link.frameHeaderLength());
    }

    @Test
    void rejectsBadBounds() {
        byte[] buf = new byte[10];
        assertThrows(IndexOutOfBoundsException.class, () -> link.read(buf, 5, 10, 0));
        assertThrows(IndexOutOfBoundsException.class, () -> link.write(buf, -1, 4));
    }
}
