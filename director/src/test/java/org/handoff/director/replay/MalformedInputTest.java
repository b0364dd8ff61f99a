package org.handoff.director.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.handoff.director.config.ConfigLoader;
import org.handoff.protocol.testing.PacketBuilder;
import org.handoff.protocol.wire.Bytes;
import org.handoff.protocol.wire.TcpSegment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad input is counted by reason and skipped; the replay never stops on it. */
class MalformedInputTest {
    @Test
    void everyKindOfBadPacketIsCountedByReason(@TempDir Path dir) throws Exception {
        MalformedCapture c = new MalformedCapture();
        c.ip(c.syn(40001)); // a good SYN: one flow
        c.frame(0x0800, c.syn(40002), 40); // snaplen-cut: 40 of 74 bytes recorded
        byte[] fragment = c.syn(40003);
        Bytes.putU16(fragment, 6, 0x2000); // more fragments
        c.ip(c.refill(fragment));
        c.ip(c.udp(MalformedCapture.CLIENT, MalformedCapture.VIP)); // not TCP
        c.frame(0x0806, new byte[28], Integer.MAX_VALUE); // ARP
        byte[] badOption = c.syn(40004);
        badOption[20 + 20] = 2;     // MSS kind ...
        badOption[20 + 21] = 3;     // ... with length 3 (must be 4)
        c.ip(c.refill(badOption));
        byte[] badTcpSum = c.syn(40005);
        badTcpSum[20 + 16] ^= 0x55;
        c.ip(badTcpSum);
        byte[] badIpSum = c.syn(40006);
        badIpSum[10] ^= 0x55;
        c.ip(badIpSum);
        byte[] badOffset = c.syn(40007);
        badOffset[20 + 12] = (byte) 0xf0; // data offset 60 bytes in a 40-byte segment
        c.ip(c.refill(badOffset));
        c.ipv6(PacketBuilder.tcp().from("2001:2::1", 40010).to("2001:2::2", 80).flags(TcpSegment.SYN).build());
        c.ip(PacketBuilder.tcp().from(MalformedCapture.CLIENT, 40008).to(MalformedCapture.VIP, 443).flags(TcpSegment.SYN)
                .build()); // not a VIP port
        byte[] badIhl = c.syn(40009);
        badIhl[0] = 0x4f; // IHL 60 bytes: longer than the whole packet
        c.ip(badIhl);
        c.truncatedRecord();
        Path capture = dir.resolve("malformed.pcap");
        c.write(capture);

        List<FlowRecord> flows = new ArrayList<>();
        Replay.Result r = Replay.run(ConfigLoader.load(Path.of("../examples/traces/director.yaml")), capture,
                ReplayOptions.DEFAULTS, dir.resolve("out.pcap"), flows::add, null);
        @SuppressWarnings("unchecked")
        Map<String, Object> dropped = (Map<String, Object>) r.totals().get("dropped");
        assertEquals(1L, dropped.get("snaplen-cut"), dropped.toString());
        assertEquals(1L, dropped.get("fragment"), dropped.toString());
        assertEquals(1L, dropped.get("not-tcp"), dropped.toString());
        assertEquals(1L, dropped.get("link-not-ip"), dropped.toString());
        assertEquals(1L, dropped.get("bad-tcp-options"), dropped.toString());
        assertEquals(1L, dropped.get("bad-tcp-checksum"), dropped.toString());
        assertEquals(1L, dropped.get("bad-ip-checksum"), dropped.toString());
        assertEquals(1L, dropped.get("malformed-tcp"), dropped.toString());
        assertEquals(1L, dropped.get("not-ipv4"), dropped.toString());
        assertEquals(1L, dropped.get("link-malformed-ip"), dropped.toString());
        assertEquals(1L, dropped.get("not-for-vip"), dropped.toString());
        assertEquals(1L, dropped.get("truncated-file"), dropped.toString());
        assertNotNull(r.captureError());
        assertEquals(1L, r.totals().get("flows"), "only the good SYN made a flow");
        assertEquals(1, flows.size());
        assertEquals("no-request", flows.get(0).outcome());
        assertEquals(true, Files.size(dir.resolve("out.pcap")) > 24, "the good SYN was answered");
    }
}
