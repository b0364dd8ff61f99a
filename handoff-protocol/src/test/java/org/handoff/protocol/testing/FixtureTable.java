package org.handoff.protocol.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The plain-text table format the fixture files share ({@code vectors/rewriter/fixtures.txt},
 * {@code vectors/tunnel/fixtures.txt}): one {@code key value} per line, so a C harness reads it
 * with {@code getline} and {@code sscanf}; {@code #} lines and blank lines are comments; a case
 * runs from {@code case NAME} to {@code end} and holds every key of the table exactly once.
 * Strict, so that a hand edit a C reader would misread fails here first.
 */
final class FixtureTable {
    private FixtureTable() {
    }

    /** One case as read: its name, the line it starts on, and its values by key. */
    record Row(String name, int line, Map<String, String> values) {
        /** The value of a key, which {@link #parse} checked is present. */
        String get(String key) {
            return values.get(key);
        }

        /** "case NAME: ", for error messages. */
        String where() {
            return "case " + name + ": ";
        }
    }

    /** The text of a classpath resource. */
    static String read(String resource) {
        try (InputStream in = FixtureTable.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalArgumentException("no fixture table '" + resource + "' on the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException(resource + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads the cases: every key of {@code keys} exactly once per case, nothing else.
     *
     * @throws IllegalArgumentException naming the line and what was expected
     */
    static List<Row> parse(String text, List<String> keys) {
        List<Row> rows = new ArrayList<>();
        String name = null;
        int start = 0;
        Map<String, String> values = new LinkedHashMap<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            int n = i + 1;
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int space = line.indexOf(' ');
            String key = space < 0 ? line : line.substring(0, space);
            String value = space < 0 ? "" : line.substring(space + 1);
            if (name == null) {
                if (!key.equals("case") || !value.matches("[a-z0-9-]+")) {
                    throw new IllegalArgumentException("line " + n + ": '" + line + "' (expected: case NAME, NAME of [a-z0-9-])");
                }
                name = value;
                start = n;
                values = new LinkedHashMap<>();
            } else if (key.equals("end")) {
                for (String k : keys) {
                    if (!values.containsKey(k)) {
                        throw new IllegalArgumentException("case " + name + " (line " + start + "): no '" + k + "' line");
                    }
                }
                rows.add(new Row(name, start, values));
                name = null;
            } else if (!keys.contains(key)) {
                throw new IllegalArgumentException("line " + n + ": key '" + key + "' (expected: one of " + keys + " or end)");
            } else if (values.put(key, value) != null) {
                throw new IllegalArgumentException("line " + n + ": key '" + key + "' twice in case " + name);
            }
        }
        if (name != null) {
            throw new IllegalArgumentException("case " + name + " (line " + start + "): no 'end' line");
        }
        return rows;
    }

    static String[] fields(String what, String value, int count) {
        String[] f = value.split(" ");
        if (f.length != count) {
            throw new IllegalArgumentException(what + " '" + value + "' (expected: " + count + " fields)");
        }
        return f;
    }

    static long unsigned(String what, String s) {
        try {
            return Integer.parseUnsignedInt(s) & 0xffffffffL;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + " '" + s + "' (expected: unsigned decimal, 0..4294967295)");
        }
    }

    /** Appends {@code key value}, refusing a value that would break the one-line-per-key format. */
    static void line(StringBuilder out, String key, String value) {
        if (value.indexOf('\n') >= 0) {
            throw new IllegalArgumentException(key + " holds a line break: '" + value + "'");
        }
        out.append(key).append(' ').append(value).append('\n');
    }

    /** The header comment: each line of {@code header} behind "# ". */
    static void header(StringBuilder out, String header) {
        for (String line : header.split("\n")) {
            out.append("# ").append(line).append('\n');
        }
    }
}
