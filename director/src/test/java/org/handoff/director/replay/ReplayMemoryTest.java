package org.handoff.director.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.handoff.director.config.ConfigLoader;
import org.handoff.director.io.CaptureClock;
import org.handoff.director.io.PacketSource;
import org.handoff.director.io.PcapFileSource;
import org.handoff.protocol.wire.Bytes;
import org.handoff.protocol.wire.PacketEmitter;
import org.junit.jupiter.api.Test;

/**
 * Many flows, one after another (as ReplayBenchmark feeds them): each is handed off and freed
 * when its client closes, so the flows open at any time stay few however long the capture.
 */
class ReplayMemoryTest {
    @Test
    void flowsEndAndAreFreedSoOpenFlowsStayBounded() throws Exception {
        List<byte[]> one = new ArrayList<>();
        List<Long> at = new ArrayList<>();
        try (PcapFileSource s = PcapFileSource.open(Path.of("../examples/traces/ipv4-http-all-options.pcap"), new CaptureClock())) {
            while (s.poll((b, off, len, ts) -> {
                one.add(Arrays.copyOfRange(b, off, off + len));
                at.add(ts);
            }, 256, 0) != PacketSource.END_OF_INPUT) {
                // read on
            }
        }
        int client = Bytes.i32(one.get(0), 12);
        long span = at.get(at.size() - 1) - at.get(0) + 1_000_000L;
        PacketEmitter emitter = new PacketEmitter();
        List<FlowRecord> ended = new ArrayList<>();
        ReplayEngine engine = new ReplayEngine(ConfigLoader.DIRECTOR.load(Path.of("../examples/traces/director.yaml")), ReplayOptions.DEFAULTS,
                null, new CaptureClock(), ended::add);
        int copies = 2000;
        int maxOpen = 0;
        for (int flow = 0; flow < copies; flow++) {
            for (int k = 0; k < one.size(); k++) {
                byte[] p = one.get(k).clone();
                int l4 = (p[0] & 0xf) * 4;
                Bytes.putU16(p, Bytes.i32(p, 12) == client ? l4 : l4 + 2, 1024 + flow);
                emitter.fillIpv4TcpChecksums(p, 0);
                engine.onPacket(p, 0, p.length, at.get(0) + flow * span + at.get(k) - at.get(0));
                maxOpen = Math.max(maxOpen, engine.openFlows());
            }
        }
        engine.finish();
        assertEquals(copies, ended.size());
        assertTrue(ended.stream().allMatch(f -> f.outcome().equals("handed-off") && f.closed().equals("released")),
                ended.get(0).toString());
        assertTrue(maxOpen <= 2, "open flows at most " + maxOpen);
        @SuppressWarnings("unchecked")
        Map<String, Object> requests = (Map<String, Object>) engine.totals().get("requests");
        assertEquals((long) copies, requests.get("handed-off"));
    }
}
