package org.handoff.director.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.handoff.testkit.Netns;
import org.handoff.testkit.NetnsLab;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The director's connected UDP socket to an agent, between two namespaces:
 * <pre>
 *   director ns  vd 198.18.100.2/24  ───veth───  va 198.18.100.3/24  agent ns (UDP 7070)
 * </pre>
 * Datagrams both ways, ECONNREFUSED once the agent's port is closed (the ICMP port-unreachable
 * a dead agent's host sends), and a capture wait that an agent's answer ends.
 */
@Tag("netns")
class ConnectedUdpSocketNetnsTest {
    static final String DIRECTOR = "198.18.100.2";
    static final String AGENT = "198.18.100.3";
    static final InetSocketAddress AGENT_ENDPOINT = new InetSocketAddress(AGENT, 7070);

    NetnsLab lab;
    Netns director;
    Netns agent;

    @BeforeEach
    void lab() throws Exception {
        LiveIoNetnsTest.assumeUsable();
        lab = NetnsLab.create();
        director = lab.namespace("d");
        agent = lab.namespace("a");
        lab.veth(director, "vd", DIRECTOR + "/24", agent, "va", AGENT + "/24");
    }

    /** Closes every socket and capture the test opened (the lab owns them), then the lab. */
    @AfterEach
    void cleanUp() {
        if (lab != null) {
            lab.close();
        }
    }

    DatagramChannel agentSocket() throws Exception {
        return lab.own(lab.inNamespace(agent, () -> DatagramChannel.open().bind(AGENT_ENDPOINT)));
    }

    @Test
    void datagramsGoBothWaysAndAClosedPortIsReportedAsRefused() throws Exception {
        DatagramChannel peer = agentSocket();
        ConnectedUdpSocket socket = lab.own(lab.inNamespace(director, () -> ConnectedUdpSocket.connect(AGENT_ENDPOINT)));
        byte[] hello = "HANDOFF".getBytes(StandardCharsets.US_ASCII);

        assertEquals(hello.length, socket.send(hello, 0, hello.length), "sent: " + socket.lastError());
        ByteBuffer in = ByteBuffer.allocate(100);
        peer.configureBlocking(true);
        InetSocketAddress from = (InetSocketAddress) peer.receive(in);
        assertArrayEquals(hello, java.util.Arrays.copyOf(in.array(), in.position()));

        byte[] buffer = new byte[65_536];
        assertEquals(ConnectedUdpSocket.WOULD_BLOCK, socket.receive(buffer), "nothing sent yet: would block");
        byte[] answer = "HANDOFF_ACK".getBytes(StandardCharsets.US_ASCII);
        peer.send(ByteBuffer.wrap(answer), from);
        int n = -1;
        for (int i = 0; i < 500 && n < 0; i++) {
            n = socket.receive(buffer);
            if (n < 0) {
                Thread.sleep(2);
            }
        }
        assertEquals(answer.length, n);
        assertArrayEquals(answer, java.util.Arrays.copyOf(buffer, n));

        peer.close();
        int result = socket.send(hello, 0, hello.length); // answered with ICMP port unreachable
        for (int i = 0; i < 500 && result != ConnectedUdpSocket.REFUSED; i++) {
            Thread.sleep(2);
            result = socket.receive(buffer);
            if (result == ConnectedUdpSocket.WOULD_BLOCK) {
                result = socket.send(hello, 0, hello.length);
            }
        }
        assertEquals(ConnectedUdpSocket.REFUSED, result, "closed port reported, errno " + socket.lastError());
    }

    @Test
    void anAgentsAnswerEndsTheCaptureWait() throws Exception {
        DatagramChannel peer = agentSocket();
        ConnectedUdpSocket socket = lab.own(lab.inNamespace(director, () -> ConnectedUdpSocket.connect(AGENT_ENDPOINT)));
        LivePcapSource capture = lab.own(lab.inNamespace(director, () -> LivePcapSource.open(new LivePcapSource.Config()
                .interfaceName("vd").vip(VipEndpoint.parse("198.18.200.1:80")).bufferBytes(1 << 20))));
        capture.wakeAlsoOn(new WakeSources() {
            @Override
            public int wakeFdCount() {
                return 1;
            }

            @Override
            public int wakeFd(int index) {
                return socket.fd();
            }
        });
        byte[] hello = {1, 2, 3};
        assertEquals(3, socket.send(hello, 0, 3));
        ByteBuffer in = ByteBuffer.allocate(16);
        peer.configureBlocking(true);
        InetSocketAddress from = (InetSocketAddress) peer.receive(in);
        peer.send(ByteBuffer.wrap(new byte[] {9}), from);

        long waitNanos = TimeUnit.SECONDS.toNanos(20);
        long start = System.nanoTime();
        int delivered = capture.poll((b, off, len, ts) -> { }, 16, waitNanos);
        long waited = System.nanoTime() - start;
        assertEquals(0, delivered, "no VIP packet was sent");
        // Ended by the answer, not the 20 s timeout (a generous bound: this is not a speed test).
        assertTrue(waited < TimeUnit.SECONDS.toNanos(10), "waited " + waited / 1_000_000 + " ms");
        assertEquals(1, capture.wakeups());
        assertEquals(1, socket.receive(new byte[65_536]), "the answer is there to read");
    }
}
