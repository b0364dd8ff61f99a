package org.handoff.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each typed read: its value, its default, and its error, word for word. */
class ConfigNodeTest {
    static final ConfigTree.Wording WORDING = new ConfigTree.Wording("test config", "50ms, 2s");

    static ConfigTree tree(String yaml) throws ConfigException {
        return ConfigTree.parse(yaml, null, WORDING);
    }

    /** The errors the reads in {@code walk} report on {@code yaml}'s root. */
    static List<String> errors(String yaml, java.util.function.Consumer<ConfigNode> walk) throws ConfigException {
        ConfigTree t = tree(yaml);
        walk.accept(t.root(List.of("a", "b", "c")));
        return assertThrows(ConfigException.class, t::throwIfErrors).errors();
    }

    @Test
    void integersAreWholeNumbersInRange() throws Exception {
        ConfigNode root = tree("a: 7\n").root(List.of("a", "b"));
        assertEquals(7, root.get("a").integer(1, 1, 10));
        assertEquals(3, root.get("b").integer(3, 1, 10), "absent: the default");
        assertEquals(List.of("a=11 (expected: an integer 1..10)", "b=1.5 (expected: an integer 1..10)",
                "c=x (expected: an integer 1..10)"), errors("a: 11\nb: 1.5\nc: x\n", r -> {
                    r.get("a").integer(1, 1, 10);
                    r.get("b").integer(1, 1, 10);
                    r.get("c").integer(1, 1, 10);
                }));
    }

    @Test
    void sizesTakeBinarySuffixesOnly() throws Exception {
        ConfigNode root = tree("a: 64MiB\nb: 2 KiB\nc: 512\n").root(List.of("a", "b", "c"));
        assertEquals(64L << 20, root.get("a").size(0, 0, 1L << 40));
        assertEquals(2048, root.get("b").size(0, 0, 1L << 40));
        assertEquals(512, root.get("c").size(0, 0, 1L << 40));
        assertEquals(List.of("a=64MB (expected: a size in bytes 1..1024 (an integer, or with KiB, MiB, GiB))"),
                errors("a: 64MB\n", r -> r.get("a").size(1, 1, 1024)));
        // 17179869185 GiB is 2^64 + 2^30 bytes: shifted in a long it would wrap to 1 GiB.
        assertEquals(List.of("a=17179869185GiB (expected: a size in bytes 1..1099511627776 (an integer, or with KiB, MiB, GiB))"),
                errors("a: 17179869185GiB\n", r -> r.get("a").size(1, 1, 1L << 40)));
    }

    @Test
    void durationsNeedAUnitAndSayTheRangeAsTheConfigWritesIt() throws Exception {
        ConfigNode root = tree("a: 500us\nb: ' 2s '\nc: 5m\n").root(List.of("a", "b", "c"));
        assertEquals(Duration.ofNanos(500_000), root.get("a").duration(Duration.ZERO, Duration.ZERO, Duration.ofHours(1)));
        assertEquals(Duration.ofSeconds(2), root.get("b").duration(Duration.ZERO, Duration.ZERO, Duration.ofHours(1)));
        assertEquals(Duration.ofMinutes(5), root.get("c").duration(Duration.ZERO, Duration.ZERO, Duration.ofHours(1)));
        assertEquals(List.of("a=5 (expected: a duration 0s..60s written like 50ms, 2s)",
                        "b=2d (expected: a duration 10ms..24h written like 50ms, 2s)"),
                errors("a: 5\nb: 2d\n", r -> {
                    r.get("a").duration(Duration.ZERO, Duration.ZERO, Duration.ofSeconds(60));
                    r.get("b").duration(Duration.ZERO, Duration.ofMillis(10), Duration.ofHours(24));
                }));
    }

    @Test
    void formatWritesWholeHoursMinutesAboveOneSecondsAndBelow() {
        assertEquals("0s", ConfigNode.format(Duration.ZERO));
        assertEquals("500us", ConfigNode.format(Duration.ofNanos(500_000)));
        assertEquals("50ms", ConfigNode.format(Duration.ofMillis(50)));
        assertEquals("1500ms", ConfigNode.format(Duration.ofMillis(1500)));
        assertEquals("60s", ConfigNode.format(Duration.ofSeconds(60)));
        assertEquals("90s", ConfigNode.format(Duration.ofSeconds(90)));
        assertEquals("2m", ConfigNode.format(Duration.ofMinutes(2)));
        assertEquals("1h", ConfigNode.format(Duration.ofHours(1)));
        assertEquals("24h", ConfigNode.format(Duration.ofHours(24)));
    }

    @Test
    void booleansAndChoices() throws Exception {
        ConfigNode root = tree("a: false\nb: split\n").root(List.of("a", "b", "c"));
        assertFalse(root.get("a").bool(true));
        assertTrue(root.get("c").bool(true));
        assertEquals(2, root.get("b").oneOf(1, Map.of("auto", 1, "split", 2), "auto or split"));
        assertEquals(List.of("a=yes please (expected: true or false)", "b=fast (expected: auto or split)"),
                errors("a: yes please\nb: fast\n", r -> {
                    r.get("a").bool(true);
                    r.get("b").oneOf(1, Map.of("auto", 1), "auto or split");
                }));
    }

    @Test
    void hostPortsAreLiteralsWithAPort() throws Exception {
        ConfigNode root = tree("a: 198.18.0.1:80\nb: '[2001:2::1]:443'\n").root(List.of("a", "b"));
        assertEquals("198.18.0.1:80", root.get("a").hostPort(null).toString());
        assertEquals("[2001:2::1]:443", root.get("b").hostPort(null).toString());
        assertEquals(List.of(
                "a=example.com:80 (expected: IPv4 a.b.c.d:port or [IPv6]:port)",
                "b=198.18.0.1:0 (expected: host:port with port 1..65535)",
                "c=<missing> (expected: the agent's address, IPv4 a.b.c.d:port or [IPv6]:port)"),
                errors("a: example.com:80\nb: 198.18.0.1:0\n", r -> {
                    r.get("a").hostPort(null);
                    r.get("b").hostPort(null);
                    r.get("c").hostPort("the agent's address");
                }));
        assertEquals(List.of("a=[::1]:80 (expected: v4 only)", "b=198.18.0.1 (expected: v4 only)"),
                errors("a: '[::1]:80'\nb: 198.18.0.1\n", r -> {
                    r.get("a").ipv4HostPort("v4 only");
                    r.get("b").ipv4HostPort("v4 only");
                }));
    }

    @Test
    void ipv4AddressesAreDottedQuadsOnly() throws Exception {
        assertEquals("198.18.10.11", tree("a: 198.18.10.11\n").root(List.of("a")).get("a").ipv4Address("x")
                .getHostAddress());
        assertEquals(List.of("a=0.0.0.0 (expected: x)", "b=198.018.0.1 (expected: x)", "c=::ffff:198.18.0.1 (expected: x)"),
                errors("a: 0.0.0.0\nb: 198.018.0.1\nc: '::ffff:198.18.0.1'\n", r -> {
                    r.get("a").ipv4Address("x");
                    r.get("b").ipv4Address("x");
                    r.get("c").ipv4Address("x");
                }));
    }

    @Test
    void relativePathsAreResolvedFromTheConfigsFolder(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("sub/agent.yaml");
        Files.createDirectories(file.getParent());
        Files.writeString(file, "a: keys/k\nb: /etc/k\nc: ''\n");
        ConfigTree t = ConfigTree.read(file, WORDING);
        ConfigNode root = t.root(List.of("a", "b", "c"));
        assertEquals(dir.resolve("sub/keys/k"), root.get("a").path("a path"));
        assertEquals(Path.of("/etc/k"), root.get("b").path("a path"));
        assertNull(root.get("c").path("a path"));
        assertEquals(List.of("c= (expected: a path)"), assertThrows(ConfigException.class, t::throwIfErrors).errors());
    }

    @Test
    void sectionsReportUnknownKeysAndNonMappings() throws Exception {
        assertEquals(List.of("a.x=1 (expected: a known key: n, m)", "b=[1] (expected: a mapping with keys n, m)"),
                errors("a: {n: 1, x: 1}\nb: [1]\n", r -> {
                    r.section("a", List.of("n", "m"));
                    ConfigNode b = r.section("b", List.of("n", "m"));
                    assertTrue(b.isMissing(), "a bad section reads as absent: every key takes its default");
                    assertEquals(5, b.get("n").integer(5, 0, 9));
                }));
        assertEquals(List.of("z=1 (expected: a known key: a, b, c)"), errors("z: 1\n", r -> { }));
    }

    @Test
    void listElementsAndEntriesCarryTheirPaths() throws Exception {
        ConfigNode root = tree("a: [1, x]\nb: {p: {q: 1}}\n").root(List.of("a", "b"));
        assertEquals("a[1]", root.get("a").elements().get(1).path());
        assertEquals("b.p.q", root.get("b").entries().get("p").get("q").path());
        assertEquals(List.of("a[0]=1 (expected: digits)", "a[2]=x (expected: digits)"), errors("a: [1, '2', x]\n",
                r -> r.get("a").elements().forEach(e -> e.text(Pattern.compile("\\d+"), "digits"))));
    }

    @Test
    void longValuesAreCutInErrors() throws Exception {
        String value = "x".repeat(100);
        assertEquals(List.of("a=" + "x".repeat(57) + "... (expected: y)"), errors("a: " + value + "\n",
                r -> r.get("a").error("y")));
    }

    @Test
    void emptyFilesNonMappingsAndDuplicateKeysAreRefusedWholesale() {
        assertEquals(List.of("(root)=<empty> (expected: a mapping with keys a, b)"),
                assertThrows(ConfigException.class, () -> tree("").root(List.of("a", "b"))).errors());
        ConfigException list = assertThrows(ConfigException.class, () -> tree("[1, 2]").root(List.of("a")));
        assertEquals("test config: 1 error\n  (root)=[1,2] (expected: a mapping with keys a)", list.getMessage());
        String duplicate = assertThrows(ConfigException.class, () -> tree("a: 1\na: 2\n")).errors().get(0);
        assertTrue(duplicate.startsWith("line 2, column "), duplicate);
        assertTrue(duplicate.endsWith("Duplicate field 'a' (expected: YAML without duplicate keys)"), duplicate);
    }

    @Test
    void aJsonNameGetsTheStrictJsonParser() {
        String error = assertThrows(ConfigException.class,
                () -> ConfigTree.parse("a: 1\n", Path.of("c.json"), WORDING)).errors().get(0);
        assertTrue(error.endsWith("(expected: JSON without duplicate keys)"), error);
    }

    @Test
    void anUnreadableFileSaysSo(@TempDir Path dir) {
        Path absent = dir.resolve("absent.yaml");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigTree.read(absent, WORDING));
        assertEquals(absent, e.source());
        assertTrue(e.errors().get(0).startsWith("file=" + absent + " (expected: a readable file: "), e.errors().get(0));
    }

    @Test
    void aReferencedFileIsReadAndItsFailureReportedAtItsKey(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("good"), "42");
        Files.writeString(dir.resolve("bad"), "x");
        ConfigNode.FileReader<Integer> number = f -> {
            String text = Files.readString(f);
            if (!text.matches("\\d+")) {
                throw new java.io.IOException(f + ":1: not a number");
            }
            return Integer.valueOf(text);
        };
        ConfigTree t = ConfigTree.parse("a: good\nb: bad\nc: absent\n", dir.resolve("c.yaml"), WORDING);
        ConfigNode root = t.root(List.of("a", "b", "c"));
        for (String key : List.of("a", "b", "c")) {
            ConfigNode n = root.get(key);
            Integer value = n.readFile(n.path("a path"), "number file", number);
            assertEquals(key.equals("a") ? Integer.valueOf(42) : null, value, key);
        }
        assertEquals(List.of("b=bad (expected: a valid number file: " + dir.resolve("bad") + ":1: not a number)",
                "c=absent (expected: a readable number file: java.nio.file.NoSuchFileException: " + dir.resolve("absent") + ")"),
                assertThrows(ConfigException.class, t::throwIfErrors).errors());
    }

}
