package org.handoff.protocol.testing;

import static org.handoff.protocol.testing.FixtureTable.fields;
import static org.handoff.protocol.testing.FixtureTable.line;
import static org.handoff.protocol.testing.FixtureTable.unsigned;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.handoff.protocol.transform.ChecksumState;
import org.handoff.protocol.transform.FlowTransform;
import org.handoff.protocol.transform.PacketRewriter;
import org.handoff.protocol.transform.RewriteResult;
import org.handoff.protocol.wire.Bytes;

/**
 * The {@link PacketRewriter} fixture table, {@code vectors/rewriter/fixtures.txt}: per case the
 * transform, the direction, the checksum state, the input packet and the expected output. The
 * format (a line per key, so a C harness reads it with {@code getline} and {@code sscanf}) is
 * described in the README beside the file; this class reads and writes it.
 */
public final class RewriterFixtures {
    /** Classpath location of the table. */
    public static final String RESOURCE = "/vectors/rewriter/fixtures.txt";

    /** Every key of a case, in the order the writer puts them. */
    static final List<String> KEYS = List.of("about", "source", "derived", "direction", "checksum", "client", "vip",
            "server", "seq-offset", "timestamps", "window-shifts", "result", "reverse", "input", "output");

    private RewriterFixtures() {
    }

    public enum Direction {
        /** {@link PacketRewriter#serverToClient}: connection B's server packet onto A. */
        SERVER_TO_CLIENT("server-to-client"),
        /** {@link PacketRewriter#clientToServer}: connection A's client packet onto B. */
        CLIENT_TO_SERVER("client-to-server");

        public final String text;

        Direction(String text) {
            this.text = text;
        }
    }

    /** A field the inverse transform cannot give back, so a case's round trip differs there. */
    public enum LossyField {
        /** Rescaling rounded up or clamped at 65535. */
        WINDOW,
        /** TSval was lifted to the floor. */
        TSVAL,
        /** The input's TCP checksum was not valid and was recomputed. */
        TCP_CHECKSUM;

        public String text() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    public record Endpoint(int address, int port) {
        @Override
        public String toString() {
            return Bytes.ipv4ToString(address) + " " + port;
        }
    }

    /** {@code reverse exact}, or {@code reverse lossy FIELD REASON}. */
    public record Reverse(LossyField lossy, String reason) {
        public static final Reverse EXACT = new Reverse(null, "");

        public static Reverse lossy(LossyField field, String reason) {
            return new Reverse(field, reason);
        }

        public boolean exact() {
            return lossy == null;
        }

        @Override
        public String toString() {
            return exact() ? "exact" : "lossy " + lossy.text() + " " + reason;
        }
    }

    /** One row of the table. {@code timestamps == false} means {@code tsOffset} and {@code tsFloor} are 0 and unused. */
    public record Case(String name, String about, String capture, int frame, String derived, Direction direction,
                       ChecksumState checksum, Endpoint client, Endpoint vip, Endpoint server, int seqOffset,
                       boolean timestamps, int tsOffset, int tsFloor, int serverShift, int directorShift,
                       RewriteResult result, Reverse reverse, byte[] input, byte[] output) {

        /**
         * The case's transform. {@link FlowTransform} is built from ISNs and clocks; any pair with
         * the same differences gives the same transform: {@code isns(d, 0)} has offset d, and
         * {@code timestamps(floor, floor - t)} has offset t and floor {@code floor}.
         */
        public FlowTransform transform() {
            return transform(client, vip, server, seqOffset, tsOffset, tsFloor, serverShift, directorShift);
        }

        /**
         * The transform that maps the expected output back onto the input, applied in the same
         * direction: VIP and server swapped, {@code -d}, {@code -t}, floor {@code floor - t} (the
         * server's SYN-ACK TSval: it binds only where the forward floor did), shifts swapped.
         */
        public FlowTransform inverseTransform() {
            return transform(client, server, vip, -seqOffset, -tsOffset, tsFloor - tsOffset, directorShift, serverShift);
        }

        private FlowTransform transform(Endpoint c, Endpoint v, Endpoint s, int d, int t, int floor, int ws, int wd) {
            FlowTransform.Builder b = FlowTransform.builder().client(c.address, c.port).vip(v.address, v.port)
                    .server(s.address, s.port).isns(d, 0).windowShifts(ws, wd);
            if (timestamps) {
                b.timestamps(floor, floor - t);
            }
            return b.build();
        }

        /** Rewrites {@code b[off, off + len)} in place in this case's direction and checksum state. */
        public RewriteResult apply(PacketRewriter rewriter, FlowTransform f, byte[] b, int off, int len) {
            return direction == Direction.SERVER_TO_CLIENT
                    ? rewriter.serverToClient(b, off, len, f, checksum)
                    : rewriter.clientToServer(b, off, len, f, checksum);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    /** The committed table, from the classpath. */
    public static List<Case> load() {
        return parse(FixtureTable.read(RESOURCE));
    }

    /**
     * Reads the table. Strict, so a hand edit that a C reader would misread fails here first:
     * every key exactly once per case, nothing unknown.
     *
     * @throws IllegalArgumentException naming the line and what was expected
     */
    public static List<Case> parse(String text) {
        List<Case> cases = new ArrayList<>();
        for (FixtureTable.Row row : FixtureTable.parse(text, KEYS)) {
            cases.add(toCase(row.name(), row.values()));
        }
        return cases;
    }

    private static Case toCase(String name, Map<String, String> v) {
        String where = "case " + name + ": ";
        String[] source = fields(where + "source", v.get("source"), 2);
        String[] ts = v.get("timestamps").split(" ");
        boolean timestamps = ts[0].equals("on");
        if (!(timestamps && ts.length == 3 || ts[0].equals("off") && ts.length == 1)) {
            throw new IllegalArgumentException(where + "timestamps '" + v.get("timestamps") + "' (expected: on OFFSET FLOOR, or off)");
        }
        String[] shifts = fields(where + "window-shifts", v.get("window-shifts"), 2);
        return new Case(name, v.get("about"), source[0], (int) unsigned(where + "source frame", source[1]), v.get("derived"),
                direction(where, v.get("direction")), checksum(where, v.get("checksum")),
                endpoint(where + "client", v.get("client")), endpoint(where + "vip", v.get("vip")),
                endpoint(where + "server", v.get("server")), (int) unsigned(where + "seq-offset", v.get("seq-offset")),
                timestamps, timestamps ? (int) unsigned(where + "ts-offset", ts[1]) : 0,
                timestamps ? (int) unsigned(where + "ts-floor", ts[2]) : 0,
                (int) unsigned(where + "window-shifts", shifts[0]), (int) unsigned(where + "window-shifts", shifts[1]),
                result(where, v.get("result")), reverse(where, v.get("reverse")),
                Bytes.fromHex(v.get("input")), Bytes.fromHex(v.get("output")));
    }

    private static Endpoint endpoint(String what, String value) {
        String[] f = fields(what, value, 2);
        long port = unsigned(what + " port", f[1]);
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException(what + " port " + port + " (expected: 1..65535)");
        }
        return new Endpoint(Bytes.parseIpv4(f[0]), (int) port);
    }

    private static Direction direction(String where, String s) {
        for (Direction d : Direction.values()) {
            if (d.text.equals(s)) {
                return d;
            }
        }
        throw new IllegalArgumentException(where + "direction '" + s + "' (expected: server-to-client or client-to-server)");
    }

    private static ChecksumState checksum(String where, String s) {
        for (ChecksumState c : ChecksumState.values()) {
            if (text(c).equals(s)) {
                return c;
            }
        }
        throw new IllegalArgumentException(where + "checksum '" + s + "' (expected: valid, partial or unverified)");
    }

    private static RewriteResult result(String where, String s) {
        for (RewriteResult r : RewriteResult.values()) {
            if (text(r).equals(s)) {
                return r;
            }
        }
        throw new IllegalArgumentException(where + "result '" + s + "' (expected: ok, not-ipv4, not-tcp, fragment or malformed)");
    }

    private static Reverse reverse(String where, String s) {
        if (s.equals("exact")) {
            return Reverse.EXACT;
        }
        String[] f = s.split(" ", 3);
        if (f.length == 3 && f[0].equals("lossy")) {
            for (LossyField field : LossyField.values()) {
                if (field.text().equals(f[1])) {
                    return Reverse.lossy(field, f[2]);
                }
            }
        }
        throw new IllegalArgumentException(where + "reverse '" + s + "' (expected: exact, or lossy window|tsval|tcp-checksum REASON)");
    }

    /** An enum constant as the table spells it: lower case, dashes. */
    static String text(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /**
     * Writes the table: a header comment, then each case with its keys in {@link #KEYS} order,
     * preceded by its comment lines ({@code comments.get(i)}, may be empty).
     */
    public static String format(String header, List<Case> cases, List<List<String>> comments) {
        StringBuilder out = new StringBuilder();
        FixtureTable.header(out, header);
        for (int i = 0; i < cases.size(); i++) {
            Case c = cases.get(i);
            out.append('\n');
            out.append("case ").append(c.name).append('\n');
            for (String comment : comments.get(i)) {
                out.append("# ").append(comment).append('\n');
            }
            line(out, "about", c.about);
            line(out, "source", c.capture + " " + c.frame);
            line(out, "derived", c.derived);
            line(out, "direction", c.direction.text);
            line(out, "checksum", text(c.checksum));
            line(out, "client", c.client.toString());
            line(out, "vip", c.vip.toString());
            line(out, "server", c.server.toString());
            line(out, "seq-offset", Integer.toUnsignedString(c.seqOffset));
            line(out, "timestamps", c.timestamps
                    ? "on " + Integer.toUnsignedString(c.tsOffset) + " " + Integer.toUnsignedString(c.tsFloor) : "off");
            line(out, "window-shifts", c.serverShift + " " + c.directorShift);
            line(out, "result", text(c.result));
            line(out, "reverse", c.reverse.toString());
            line(out, "input", Bytes.hex(c.input, 0, c.input.length));
            line(out, "output", Bytes.hex(c.output, 0, c.output.length));
            out.append("end\n");
        }
        return out.toString();
    }
}
