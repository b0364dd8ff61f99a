package org.handoff.director.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import org.handoff.protocol.wire.Bytes;
import org.junit.jupiter.api.Test;

/** The peer endpoints the directors publish in their JGroups addresses, read back into a directory. */
class PeerDirectoryTest {
    @Test
    void publishedEndpointsReadBackAndTheNewestOfOneIdWins() {
        int a = Bytes.parseIpv4("198.18.0.1");
        int b = Bytes.parseIpv4("198.18.0.2");
        byte[] first = PeerDirectory.endpoint(a, 7801, -2L);
        assertEquals("198.18.0.1:7801/fffffffffffffffe", new String(first, StandardCharsets.US_ASCII), "text, for JGroups' logs");
        PeerDirectory d = PeerDirectory.of(new int[] {1, 2, 1},
                new byte[][] {first, PeerDirectory.endpoint(b, 7900, 5L), PeerDirectory.endpoint(b, 7801, 6L)});
        assertEquals(3, d.size());
        int i = d.find(1);
        assertEquals(b, d.address(i), "director 1 restarted: its newer member, last in the view, is the one");
        assertEquals(6L, d.token(i));
        assertEquals(7900, d.port(d.find(2)));
        assertEquals(-1, d.find(3));
    }

    @Test
    void malformedOrMissingEndpointsAreLeftOut() {
        byte[][] endpoints = {null, "198.18.0.1:7801".getBytes(StandardCharsets.US_ASCII),
                "198.18.0.256:7801/1".getBytes(StandardCharsets.US_ASCII), "198.18.0.1:7801/xyz".getBytes(StandardCharsets.US_ASCII),
                PeerDirectory.endpoint(Bytes.parseIpv4("198.18.0.5"), 7801, 1L)};
        PeerDirectory d = PeerDirectory.of(new int[] {1, 2, 3, 4, 0}, endpoints);
        assertEquals(0, d.size(), "a member without a director id (0) is left out too");
    }
}
