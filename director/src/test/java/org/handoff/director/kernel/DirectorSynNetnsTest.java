package org.handoff.director.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.handoff.bpf.BpfObject;
import org.handoff.bpf.Interfaces;
import org.handoff.bpf.XdpAttachment;
import org.handoff.bpf.XdpAttachment.XdpMode;
import org.handoff.director.io.LivePcapSource;
import org.handoff.director.io.VipEndpoint;
import org.handoff.director.tcp.SynCookies;
import org.handoff.director.tcp.TcpFlow;
import org.handoff.director.tcp.TcpSettings;
import org.handoff.protocol.seq.SeqNumber;
import org.handoff.protocol.wire.Bytes;
import org.handoff.protocol.wire.TcpSegment;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * director_xdp attached natively to the director's capture interface answers a real Linux
 * client's SYN: the client's connect() completes on the program's SYN-ACK alone (the director
 * namespace's stack blackholes the VIP, so nothing else could answer), and its final ACK and
 * request, captured as the director captures them, validate with {@link SynCookies#check} and make
 * the flow in a {@code TcpTerminator} on the kernel-SYN setting, with the client's options. A
 * client with timestamps off gets no SYN-ACK from the program: its SYN goes to the capture.
 */
@Tag("netns")
class DirectorSynNetnsTest extends DirectorXdpNetnsTestBase {
    static final int VIP_PORT = 80;
    static final TcpSettings SETTINGS = new TcpSettings(1416, 9, 60_000, 1000, 100, 1 << 18, 1L << 30,
            Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofMinutes(5), Duration.ofMillis(200), 6,
            Duration.ofSeconds(2)).withKernelAnswersSyns(true);
    static final byte[] REQUEST = "GET / HTTP/1.1\r\nHost: lab\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    final long secret0 = new SplittableRandom().nextLong();
    final long secret1 = new SplittableRandom().nextLong();
    final List<byte[]> captured = new ArrayList<>();
    TerminatorUnderTest javaSide;
    BpfObject clientPass;

    @BeforeEach
    void lab() throws Exception {
        lab.route(director, "blackhole", VIP + "/32");
        clientPass = BpfObject.openResource("selftest.bpf.o");
        clientPass.load();
        new DirectorSynMaps(xdp.object.map(DirectorXdp.SYN_CONFIG_MAP), xdp.object.map(DirectorXdp.VIPS_MAP))
                .enable(SETTINGS, secret0, secret1, new int[] {Bytes.parseIpv4(VIP)}, new int[] {VIP_PORT});
        javaSide = new TerminatorUnderTest(SETTINGS, Bytes.parseIpv4(VIP), VIP_PORT, secret0, secret1);
    }

    @AfterEach
    void cleanUp() {
        if (clientPass != null) {
            clientPass.close();
        }
    }

    @Test
    void aLinuxClientsHandshakeCompletesOnTheProgramsSynAckAndItsAckMakesTheFlowInJava() throws Exception {
        LivePcapSource capture = lab.own(inDirector(() -> LivePcapSource.open(new LivePcapSource.Config()
                .interfaceName(CAPTURE_INTERFACE).vip(VipEndpoint.parse(VIP + ":" + VIP_PORT)).bufferBytes(4 << 20))));
        whileAttached(() -> {
            Socket socket = lab.own(lab.inNamespace(client, () -> {
                Socket s = new Socket();
                s.connect(new InetSocketAddress(VIP, VIP_PORT), 3_000);  // only the program can answer
                OutputStream out = s.getOutputStream();
                out.write(REQUEST);
                out.flush();
                return s;
            }));
            assertTrue(socket.isConnected());
            assertEquals(1, xdp.counters.counter(DirectorCounter.SYN_ANSWERED.index()));

            int clientPort = socket.getLocalPort();
            long deadline = System.nanoTime() + 5_000_000_000L;
            for (int i = 0; i < 1_000 && javaSide.events.isEmpty() && System.nanoTime() < deadline; i++) {
                capture.poll((frame, off, len, nanos) -> {
                    captured.add(Arrays.copyOfRange(frame, off, off + len));
                    javaSide.terminator.onPacket(frame, off, len, nanos);
                }, 64, 10_000_000L);
            }
            assertEquals(List.of("data " + REQUEST.length), javaSide.events, "the request reached the terminator's flow");
            TcpFlow<Void> flow = javaSide.terminator.flow(Bytes.parseIpv4(CLIENT), clientPort, 0);
            assertNotNull(flow);
            assertTrue(flow.cookie(), "made from the cookie ACK");
            assertEquals(1460, flow.clientMss(), "a veth's MTU 1500: MSS 1460, the table's last entry");
            assertEquals(1416, flow.mss());
            assertTrue(flow.clientShift() >= 0, "Linux offers window scaling");
            assertEquals(9, flow.directorShift());
            assertTrue(flow.sackPermitted());
            assertTrue(flow.timestamps());
            assertEquals(0, javaSide.terminator.counters().syns, "no SYN reached the capture");

            byte[] finalAck = captured.get(0);
            int tcp = 20;
            assertEquals(TcpSegment.ACK, finalAck[tcp + TcpSegment.FLAGS_OFFSET] & 0x17, "the first captured packet is the final ACK");
            int minute = (int) (System.nanoTime() / 60_000_000_000L);
            int index = new SynCookies(secret0, secret1).check(Bytes.parseIpv4(CLIENT), clientPort, Bytes.parseIpv4(VIP), VIP_PORT,
                    SeqNumber.sub(Bytes.i32(finalAck, tcp + TcpSegment.SEQ_OFFSET), 1),
                    SeqNumber.sub(Bytes.i32(finalAck, tcp + TcpSegment.ACK_OFFSET), 1), minute);
            assertEquals(SynCookies.mssIndex(1460), index, "the final ACK carries a valid cookie");
        });
    }

    @Test
    void aClientWithoutTimestampsIsLeftToJava() throws Exception {
        lab.sysctl(client, "net.ipv4.tcp_timestamps", "0");
        LivePcapSource capture = lab.own(inDirector(() -> LivePcapSource.open(new LivePcapSource.Config()
                .interfaceName(CAPTURE_INTERFACE).vip(VipEndpoint.parse(VIP + ":" + VIP_PORT)).bufferBytes(4 << 20))));
        whileAttached(() -> {
            assertThrows(SocketTimeoutException.class, () -> lab.inNamespace(client, () -> {
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress(VIP, VIP_PORT), 500);
                }
                return null;
            }), "no SYN-ACK from the program (and the terminator here sends nothing)");
            assertEquals(0, xdp.counters.counter(DirectorCounter.SYN_ANSWERED.index()));
            assertTrue(xdp.counters.counter(DirectorCounter.SYN_PASSED_NO_TIMESTAMPS.index()) >= 1);
            for (int i = 0; i < 100 && javaSide.terminator.counters().syns == 0; i++) {
                capture.poll(javaSide.terminator::onPacket, 64, 10_000_000L);
            }
            assertEquals(1, javaSide.terminator.counters().syns, "the SYN reached the capture, for Java to answer");
            assertEquals(1, javaSide.terminator.halfOpenCount(), "Java keeps state for it: full options without a cookie");
        });
    }

    interface Body {
        void run() throws Exception;
    }

    /**
     * Runs {@code body} with director_xdp attached natively to the capture interface, and an
     * XDP_PASS program to the client's end: veth wakes the receiving peer's NAPI after an XDP_TX
     * only when that peer has an XDP program (with GRO alone the frame waits in its ring). A NIC
     * sends XDP_TX frames on its own transmit ring.
     */
    void whileAttached(Body body) throws Exception {
        XdpAttachment attachment = attachToCapture();
        try {
            XdpAttachment clientAttachment = lab.inNamespace(client, () -> XdpAttachment.attach(Interfaces.indexOf(CLIENT_INTERFACE),
                    clientPass.program("selftest_xdp_pass"), XdpMode.NATIVE));
            try {
                body.run();
            } finally {
                lab.inNamespace(client, () -> {
                    clientAttachment.close();
                    return null;
                });
            }
        } finally {
            detach(attachment);
        }
    }
}

