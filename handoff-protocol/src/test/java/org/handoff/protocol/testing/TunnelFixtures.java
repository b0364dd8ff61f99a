package org.handoff.protocol.testing;

import static org.handoff.protocol.testing.FixtureTable.fields;
import static org.handoff.protocol.testing.FixtureTable.line;
import static org.handoff.protocol.testing.FixtureTable.unsigned;

import java.util.ArrayList;
import java.util.List;
import org.handoff.protocol.wire.Bytes;

/**
 * The TUNNEL encapsulation golden vectors, {@code vectors/tunnel/fixtures.txt}: per case a client
 * packet (inner), the director and agent addresses, the agent port and the flow token, and the
 * exact IPv4 packet the director's XDP program sends for it (frame: outer IPv4, UDP, TUNNEL
 * header, inner). The format is the rewriter table's ({@link FixtureTable}); the README beside
 * the file lists the keys. Java holds {@code TunnelFrameWriter} and {@code MessageDecoder} to it,
 * the kernel data path its XDP program (frame = its output after the Ethernet header).
 */
public final class TunnelFixtures {
    /** Classpath location of the table. */
    public static final String RESOURCE = "/vectors/tunnel/fixtures.txt";

    /** Every key of a case, in the order the writer puts them. */
    static final List<String> KEYS = List.of("about", "source", "derived", "director", "agent", "token", "source-port", "inner",
            "frame");

    private TunnelFixtures() {
    }

    /**
     * One row of the table.
     *
     * @param capture    the capture under {@code vectors/} the inner packet comes from
     * @param frameIndex its 0-based record there
     * @param derived    {@code as-captured}, or the one change made to the captured packet
     * @param director   the outer source address
     * @param agent      the outer destination address
     * @param agentPort  the outer UDP destination port (the agent's control port)
     * @param token      the flow token, as the 8 bytes read big-endian
     * @param sourcePort the outer UDP source port, the hash of the inner 4-tuple
     * @param inner      the client's IPv4 packet
     * @param frame      the expected IPv4 packet: outer headers, TUNNEL header, inner
     */
    public record Case(String name, String about, String capture, int frameIndex, String derived, int director, int agent,
                       int agentPort, long token, int sourcePort, byte[] inner, byte[] frame) {
        @Override
        public String toString() {
            return name;
        }
    }

    /** The committed table, from the classpath. */
    public static List<Case> load() {
        return parse(FixtureTable.read(RESOURCE));
    }

    /** Reads the table; strict (see {@link FixtureTable#parse}). */
    public static List<Case> parse(String text) {
        List<Case> cases = new ArrayList<>();
        for (FixtureTable.Row r : FixtureTable.parse(text, KEYS)) {
            String where = r.where();
            String[] source = fields(where + "source", r.get("source"), 2);
            String[] agent = fields(where + "agent", r.get("agent"), 2);
            String token = r.get("token");
            if (!token.matches("0x[0-9a-f]{16}")) {
                throw new IllegalArgumentException(where + "token '" + token + "' (expected: 0x and 16 lower-case hex digits)");
            }
            cases.add(new Case(r.name(), r.get("about"), source[0], (int) unsigned(where + "source frame", source[1]),
                    r.get("derived"), Bytes.parseIpv4(r.get("director")), Bytes.parseIpv4(agent[0]),
                    port(where + "agent port", agent[1]), Long.parseUnsignedLong(token.substring(2), 16),
                    port(where + "source-port", r.get("source-port")), Bytes.fromHex(r.get("inner")), Bytes.fromHex(r.get("frame"))));
        }
        return cases;
    }

    private static int port(String what, String s) {
        long port = unsigned(what, s);
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException(what + " " + port + " (expected: 1..65535)");
        }
        return (int) port;
    }

    /** Writes the table: a header comment, then each case with its keys in {@link #KEYS} order. */
    public static String format(String header, List<Case> cases) {
        StringBuilder out = new StringBuilder();
        FixtureTable.header(out, header);
        for (Case c : cases) {
            out.append('\n');
            out.append("case ").append(c.name).append('\n');
            line(out, "about", c.about);
            line(out, "source", c.capture + " " + c.frameIndex);
            line(out, "derived", c.derived);
            line(out, "director", Bytes.ipv4ToString(c.director));
            line(out, "agent", Bytes.ipv4ToString(c.agent) + " " + c.agentPort);
            line(out, "token", String.format("0x%016x", c.token));
            line(out, "source-port", Integer.toString(c.sourcePort));
            line(out, "inner", Bytes.hex(c.inner, 0, c.inner.length));
            line(out, "frame", Bytes.hex(c.frame, 0, c.frame.length));
            out.append("end\n");
        }
        return out.toString();
    }
}
