package org.handoff.director.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.handoff.protocol.wire.Ipv4Packet;
import org.handoff.protocol.wire.TcpOptions;
import org.handoff.protocol.wire.TcpSegment;

/** A parsed segment the director sent. */
public final class SentSegment {
    public final byte[] bytes;
    public final Ipv4Packet ip = new Ipv4Packet();
    public final TcpSegment tcp = new TcpSegment();
    public final TcpOptions options = new TcpOptions();

    public SentSegment(byte[] bytes, int vip, int vipPort) {
        this.bytes = bytes;
        assertNull(ip.wrap(bytes, 0, bytes.length).check());
        assertTrue(ip.verifyHeaderChecksum());
        assertNull(tcp.wrap(bytes, ip.payloadOffset(), ip.payloadLength()).check());
        assertTrue(tcp.verifyChecksum(ip.pseudoHeaderSum()), "director's TCP checksum");
        tcp.parseOptions(options);
        assertEquals(vip, ip.source());
        assertEquals(vipPort, tcp.sourcePort());
    }

    public String payload() {
        return new String(bytes, tcp.payloadOffset(), tcp.payloadLength(), StandardCharsets.US_ASCII);
    }
}
