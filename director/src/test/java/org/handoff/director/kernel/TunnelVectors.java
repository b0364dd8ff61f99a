package org.handoff.director.kernel;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.handoff.director.io.LinkDecoder;
import org.handoff.protocol.wire.Bytes;

/**
 * The director_xdp golden vectors (src/test/resources/kernel/director-xdp/tunnel-vectors.txt;
 * format and independent check in the README beside it).
 */
final class TunnelVectors {
    static final String RESOURCE = "/kernel/director-xdp/tunnel-vectors.txt";
    static final List<String> KEYS = List.of("about", "source", "derived", "agent", "source-address", "token", "flags",
            "next-hop", "verdict", "input", "output");

    /** One case: the frame in, the flow's entry, the next hop the namespace resolves, the frame out. */
    record Case(String name, String about, int agentAddress, int agentPort, int sourceAddress, long token, int flags,
                long nextHopMac, long egressMac, String verdict, byte[] input, byte[] output) {
        @Override
        public String toString() {
            return name;
        }
    }

    private TunnelVectors() {
    }

    static List<Case> all() {
        try (InputStream in = TunnelVectors.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("no " + RESOURCE + " on the test classpath");
            }
            return parse(new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII)));
        } catch (IOException e) {
            throw new UncheckedIOException(RESOURCE + ": " + e.getMessage(), e);
        }
    }

    private static List<Case> parse(BufferedReader reader) throws IOException {
        List<Case> cases = new ArrayList<>();
        String name = null;
        Map<String, String> fields = new LinkedHashMap<>();
        for (String line = reader.readLine(); line != null; line = reader.readLine()) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int space = line.indexOf(' ');
            String key = space < 0 ? line : line.substring(0, space);
            String value = space < 0 ? "" : line.substring(space + 1);
            if (key.equals("case")) {
                name = value;
                fields.clear();
            } else if (key.equals("end")) {
                if (!List.copyOf(fields.keySet()).equals(KEYS)) {
                    throw new IllegalStateException(RESOURCE + ", case " + name + ": keys " + fields.keySet() + " (expected: " + KEYS + ")");
                }
                cases.add(toCase(name, fields));
            } else {
                fields.put(key, value);
            }
        }
        return cases;
    }

    private static Case toCase(String name, Map<String, String> f) {
        String[] agent = f.get("agent").split(" ");
        String[] hop = f.get("next-hop").split(" ");
        return new Case(name, f.get("about"), Bytes.parseIpv4(agent[0]), Integer.parseInt(agent[1]),
                Bytes.parseIpv4(f.get("source-address")), Long.parseUnsignedLong(f.get("token"), 16),
                Integer.parseInt(f.get("flags")), LinkDecoder.parseMac(hop[0]), LinkDecoder.parseMac(hop[1]), f.get("verdict"),
                Bytes.fromHex(f.get("input")), Bytes.fromHex(f.get("output")));
    }
}
