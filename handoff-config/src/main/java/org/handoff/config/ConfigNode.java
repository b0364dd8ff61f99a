package org.handoff.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.common.net.InetAddresses;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.file.FileSystemException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One place in a {@link ConfigTree}: the value there (or none), and its path in the file
 * ({@code pools.static.servers[1].agent}). The typed reads check the value, report a bad one
 * here as {@code path=value (expected: ...)}, and return the default (or null) so that the
 * walk goes on and every error is found in one pass. A missing key is a node too: reads of it
 * return their default, so a schema reads optional keys without asking first.
 */
public final class ConfigNode {
    private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(us|ms|s|m|h)");
    private static final Pattern SIZE = Pattern.compile("(\\d{1,12})\\s*(KiB|MiB|GiB)?");
    private static final long SECOND = 1_000_000_000L;
    private static final long MINUTE = 60 * SECOND;
    private static final long HOUR = 60 * MINUTE;
    private static final int SHOWN_CHARACTERS = 60;

    private final ConfigTree tree;
    private final String path;
    private final JsonNode json;

    ConfigNode(ConfigTree tree, String path, JsonNode json) {
        this.tree = tree;
        this.path = path;
        this.json = json;
    }

    // ---- where and what ----

    /** The path in the file: {@code limits.max-flows}, {@code vips[0]}; empty for the root. */
    public String path() {
        return path;
    }

    /** The value as parsed, or null when the key is absent. */
    public JsonNode json() {
        return json;
    }

    /** The key is absent (a key with nothing after it, {@code rules:}, is present and null). */
    public boolean isMissing() {
        return json == null;
    }

    /** Absent, or present with no value ({@code rules:}). */
    public boolean isMissingOrNull() {
        return json == null || json.isNull();
    }

    public boolean isText() {
        return json != null && json.isTextual();
    }

    /** The text of a text value, else null. */
    public String text() {
        return isText() ? json.asText() : null;
    }

    public boolean isList() {
        return json != null && json.isArray();
    }

    public boolean isMapping() {
        return json != null && json.isObject();
    }

    /** A mapping's entry (a missing node when this is not a mapping or has no such key). */
    public ConfigNode get(String key) {
        return new ConfigNode(tree, path.isEmpty() ? key : path + "." + key, isMapping() ? json.get(key) : null);
    }

    /** Elements of a list (none when this is not a list). */
    public List<ConfigNode> elements() {
        List<ConfigNode> out = new ArrayList<>();
        if (isList()) {
            for (int i = 0; i < json.size(); i++) {
                out.add(new ConfigNode(tree, path + "[" + i + "]", json.get(i)));
            }
        }
        return out;
    }

    /** Entries of a mapping, in file order (none when this is not a mapping). */
    public Map<String, ConfigNode> entries() {
        Map<String, ConfigNode> out = new LinkedHashMap<>();
        if (isMapping()) {
            for (Iterator<String> it = json.fieldNames(); it.hasNext(); ) {
                String key = it.next();
                out.put(key, get(key));
            }
        }
        return out;
    }

    /**
     * A list of one or more values, each element read by {@code read} (which reports a bad one
     * and returns null), a value listed twice refused where it repeats:
     * {@code vips[5]=198.18.1.1:80 (expected: a VIP not already listed at vips[4])}.
     *
     * @param expected what a missing, empty or non-list value is told it should be
     * @param what     what one element is, for the duplicate's message: "VIP"
     */
    public <T> List<T> uniqueList(String expected, String what, Function<ConfigNode, T> read) {
        List<T> out = new ArrayList<>();
        if (!isList() || json.isEmpty()) {
            error(expected);
            return out;
        }
        Map<T, Integer> seen = new HashMap<>();
        List<ConfigNode> elements = elements();
        for (int i = 0; i < elements.size(); i++) {
            ConfigNode element = elements.get(i);
            T value = read.apply(element);
            if (value == null) {
                continue;
            }
            Integer before = seen.putIfAbsent(value, i);
            if (before != null) {
                element.error("a " + what + " not already listed at " + path + "[" + before + "]");
            } else {
                out.add(value);
            }
        }
        return out;
    }

    // ---- errors ----

    /** Reports this node's value as not what was expected. */
    public void error(String expected) {
        tree.error(path + "=" + show(json) + " (expected: " + expected + ")");
    }

    /** False, with an error, when the key is absent. */
    public boolean require(String expected) {
        if (isMissing()) {
            error(expected);
            return false;
        }
        return true;
    }

    // ---- structure ----

    /**
     * A section such as {@code limits}: returns this node with unknown keys reported, or, when
     * the value is not a mapping, reports that and returns a missing node, so that every key
     * read from it takes its default.
     */
    public ConfigNode section(String key, List<String> keys) {
        return get(key).mapping(keys);
    }

    /** This node as a mapping with the given keys (see {@link #section}); a missing node stays missing. */
    public ConfigNode mapping(List<String> keys) {
        if (isMissing()) {
            return this;
        }
        if (!isMapping()) {
            error("a mapping with keys " + String.join(", ", keys));
            return new ConfigNode(tree, path, null);
        }
        onlyKeys(keys);
        return this;
    }

    /** Reports every key of this mapping that is not one of {@code keys}. */
    public void onlyKeys(List<String> keys) {
        for (Map.Entry<String, ConfigNode> e : entries().entrySet()) {
            if (!keys.contains(e.getKey())) {
                e.getValue().error("a known key: " + String.join(", ", keys));
            }
        }
    }

    // ---- scalars ----

    /** A whole number in {@code min..max}; {@code def} when absent. */
    public long integer(long def, long min, long max) {
        if (isMissing()) {
            return def;
        }
        if (!json.isIntegralNumber() || !json.canConvertToLong() || json.asLong() < min || json.asLong() > max) {
            error("an integer " + min + ".." + max);
            return def;
        }
        return json.asLong();
    }

    /** Bytes: an integer, or a string with a KiB, MiB or GiB suffix ("64MiB"); {@code def} when absent. */
    public long size(long def, long min, long max) {
        if (isMissing()) {
            return def;
        }
        long v = -1;
        if (json.isIntegralNumber() && json.canConvertToLong()) {
            v = json.asLong();
        } else if (json.isTextual()) {
            Matcher m = SIZE.matcher(json.asText().trim());
            if (m.matches()) {
                int shift = m.group(2) == null ? 0 : m.group(2).equals("KiB") ? 10 : m.group(2).equals("MiB") ? 20 : 30;
                long n = Long.parseLong(m.group(1));
                v = n > (Long.MAX_VALUE >> shift) ? -1 : n << shift; // too large for a long: refused below
            }
        }
        if (v < min || v > max) {
            error("a size in bytes " + min + ".." + max + " (an integer, or with KiB, MiB, GiB)");
            return def;
        }
        return v;
    }

    /** A duration, digits then us, ms, s, m or h ("50ms", "2s", "5m"), in {@code min..max}; {@code def} when absent. */
    public Duration duration(Duration def, Duration min, Duration max) {
        if (isMissing()) {
            return def;
        }
        Duration d = null;
        Matcher m = json.isTextual() ? DURATION.matcher(json.asText().trim()) : null;
        if (m != null && m.matches()) {
            long v = Long.parseLong(m.group(1));
            d = switch (m.group(2)) {
                case "us" -> Duration.ofNanos(v * 1_000);
                case "ms" -> Duration.ofMillis(v);
                case "s" -> Duration.ofSeconds(v);
                case "m" -> Duration.ofMinutes(v);
                default -> Duration.ofHours(v);
            };
        }
        if (d == null || d.compareTo(min) < 0 || d.compareTo(max) > 0) {
            error("a duration " + format(min) + ".." + format(max) + " written like " + tree.durationExample());
            return def;
        }
        return d;
    }

    /** {@code true} or {@code false}; {@code def} when absent. */
    public boolean bool(boolean def) {
        if (isMissing()) {
            return def;
        }
        if (!json.isBoolean()) {
            error("true or false");
            return def;
        }
        return json.asBoolean();
    }

    /** One of the words in {@code choices}; {@code def} when absent or (with an error) unknown. */
    public <T> T oneOf(T def, Map<String, T> choices, String expected) {
        if (isMissing()) {
            return def;
        }
        T value = json.isTextual() ? choices.get(json.asText()) : null;
        if (value == null) {
            error(expected);
            return def;
        }
        return value;
    }

    /** A text matching {@code syntax}; null (with an error, when present) otherwise. */
    public String text(Pattern syntax, String expected) {
        if (!isText() || !syntax.matcher(json.asText()).matches()) {
            error(expected);
            return null;
        }
        return json.asText();
    }

    // ---- addresses and paths ----

    /**
     * An IP literal and port, {@code a.b.c.d:port} or {@code [v6]:port}. A bad value is
     * reported with {@link HostPort}'s own expectation (the address or the port part); a
     * missing or non-text one with {@code what} before it when given ("the UDP address:port of
     * the server's agent, IPv4 a.b.c.d:port or [IPv6]:port").
     */
    public HostPort hostPort(String what) {
        if (!isText()) {
            error(what != null ? what + ", " + HostPort.EXPECTED_ADDRESS : HostPort.EXPECTED_ADDRESS);
            return null;
        }
        try {
            return HostPort.parse(json.asText());
        } catch (IllegalArgumentException e) {
            error(e.getMessage());
            return null;
        }
    }

    /** An IPv4 {@code a.b.c.d:port}; any bad, missing or IPv6 value is reported with {@code expected}. */
    public HostPort ipv4HostPort(String expected) {
        HostPort h = isText() ? HostPort.parseOrNull(json.asText()) : null;
        if (h == null || !h.isIpv4()) {
            error(expected);
            return null;
        }
        return h;
    }

    /** A dotted IPv4 address other than 0.0.0.0; null (with an error) otherwise. */
    public Inet4Address ipv4Address(String expected) {
        Inet4Address a = isText() ? ipv4OrNull(json.asText()) : null;
        if (a == null || a.isAnyLocalAddress()) {
            error(expected);
            return null;
        }
        return a;
    }

    /** {@code a.b.c.d} (no leading zeros, no other forms) as an address, or null. */
    public static Inet4Address ipv4OrNull(String text) {
        if (!InetAddresses.isInetAddress(text)) {
            return null;
        }
        InetAddress a = InetAddresses.forString(text);
        return a instanceof Inet4Address && !text.contains(":") ? (Inet4Address) a : null;
    }

    /**
     * A file path; a relative one is resolved from the config file's folder (from the working
     * directory when the config came from text).
     */
    public Path path(String expected) {
        if (!isText() || json.asText().isBlank()) {
            error(expected);
            return null;
        }
        try {
            Path p = Path.of(json.asText());
            Path source = tree.source();
            if (!p.isAbsolute() && source != null && source.toAbsolutePath().getParent() != null) {
                p = source.toAbsolutePath().getParent().resolve(p);
            }
            return p;
        } catch (InvalidPathException e) {
            error(expected + " (" + e.getReason() + ")");
            return null;
        }
    }

    /** Reads a file a config names: a key ring, say. */
    @FunctionalInterface
    public interface FileReader<T> {
        T read(Path file) throws IOException;
    }

    /**
     * Reads the file this node names with {@code reader}; a failure is reported here, so a
     * config whose referenced file is missing or malformed is refused like any bad value:
     * {@code key-file=keys.conf (expected: a readable key file:
     * java.nio.file.NoSuchFileException: /etc/handoff/keys.conf)}, or, when the reader refuses
     * the content, {@code (expected: a valid key file: <the reader's message>)}.
     *
     * @param what the file's kind, for the message: "key file"
     * @return what the reader read, or null after an error
     */
    public <T> T readFile(Path file, String what, FileReader<T> reader) {
        try {
            return reader.read(file);
        } catch (FileSystemException e) {
            error("a readable " + what + ": " + e);
        } catch (IOException | RuntimeException e) {
            error("a valid " + what + ": " + e.getMessage());
        }
        return null;
    }

    // ---- showing values ----

    /** A value as errors quote it: {@code <missing>}, {@code null}, the text, or JSON; long ones cut. */
    public static String show(JsonNode n) {
        if (n == null || n.isMissingNode()) {
            return "<missing>";
        }
        if (n.isNull()) {
            return "null";
        }
        String s = n.isValueNode() ? n.asText() : n.toString();
        return s.length() > SHOWN_CHARACTERS ? s.substring(0, SHOWN_CHARACTERS - 3) + "..." : s;
    }

    /**
     * A duration as the config writes it, "500us", "50ms", "2s", "60s", "5m", "1h": whole hours,
     * whole minutes above one, else the largest unit that is exact.
     */
    public static String format(Duration d) {
        long nanos = d.toNanos();
        if (nanos > 0 && nanos % HOUR == 0) {
            return nanos / HOUR + "h";
        }
        if (nanos > MINUTE && nanos % MINUTE == 0) {
            return nanos / MINUTE + "m";
        }
        if (nanos % SECOND == 0) {
            return nanos / SECOND + "s";
        }
        if (nanos % 1_000_000L == 0) {
            return nanos / 1_000_000L + "ms";
        }
        return nanos / 1000 + "us";
    }
}
