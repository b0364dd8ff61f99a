package org.handoff.bpf;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One of the BPF programs' C headers (bpf/src/main/c), read as text for the tests that hold the
 * Java mirrors of its structs, constants and enums to it: what the header asserts of each
 * struct's layout, the offsets its comments state, its {@code #define}s and its enumerators. In
 * the bpf module's test jar, so the agent's and the director's tests read headers one way; a
 * construct that is not there fails the calling test, naming the header.
 */
public final class CHeader {
    /** The C sources, from any module's directory (tests run there). */
    public static final Path SOURCES = Path.of("..", "bpf", "src", "main", "c");
    private static final Pattern FIELD = Pattern.compile("(?m)^\\s*(__\\w+ \\w+)(?:\\[\\d+\\])?;");
    private static final Pattern COMMENTED_OFFSET = Pattern.compile("(?m)^\\s*__\\w+ (\\w+)(?:\\[\\d+\\])?;\\s*/\\*\\s*(\\d+):");
    private static final Pattern COMMENT = Pattern.compile("/\\*.*?\\*/", Pattern.DOTALL);

    private final Path path;
    private final String text;

    private CHeader(Path path, String text) {
        this.path = path;
        this.text = text;
    }

    /** {@code file} of {@link #SOURCES}, e.g. {@code "agent_maps.h"}. */
    public static CHeader read(String file) throws IOException {
        Path path = SOURCES.resolve(file);
        return new CHeader(path, Files.readString(path));
    }

    /** A header's text as if read from {@code path}. */
    public static CHeader of(Path path, String text) {
        return new CHeader(path, text);
    }

    public Path path() {
        return path;
    }

    public String text() {
        return text;
    }

    /** {@code m} after its first match; none fails the test: "{@code what} in {@code path}". */
    private Matcher found(Matcher m, String what) {
        if (!m.find()) {
            fail(what + " in " + path);
        }
        return m;
    }

    /** The value of {@code #define name}: decimal or 0x hex. */
    public int define(String name) {
        return Integer.decode(found(Pattern.compile("(?m)^#define " + Pattern.quote(name) + "\\s+(0x[0-9a-fA-F]+|\\d+)").matcher(text),
                "#define " + name).group(1));
    }

    /** What lies between the braces of {@code struct name}. */
    public String structBody(String struct) {
        return found(Pattern.compile("struct " + Pattern.quote(struct) + " \\{(.*?)\\};", Pattern.DOTALL).matcher(text), "struct " + struct)
                .group(1);
    }

    /** The struct's fields as declared, type and name ({@code "__be32 client_addr"}; an array without its length), in order. */
    public List<String> fieldDeclarations(String struct) {
        List<String> fields = new ArrayList<>();
        Matcher m = FIELD.matcher(structBody(struct));
        while (m.find()) {
            fields.add(m.group(1));
        }
        return fields;
    }

    /** Field name to the offset its comment states ({@code __u16 flags; /* 10: ...}), in declaration order. */
    public Map<String, Integer> commentedOffsets(String struct) {
        Map<String, Integer> offsets = new LinkedHashMap<>();
        Matcher m = COMMENTED_OFFSET.matcher(structBody(struct));
        while (m.find()) {
            offsets.put(m.group(1), Integer.parseInt(m.group(2)));
        }
        return offsets;
    }

    /**
     * Struct to field to offset, from the header's lines {@code MACRO(struct, field, offset);}
     * (a macro around {@code _Static_assert(offsetof(...) == offset)}, so the compiler holds the
     * struct to them), in the order they stand.
     */
    public Map<String, Map<String, Integer>> layoutAsserts(String macro) {
        Map<String, Map<String, Integer>> out = new LinkedHashMap<>();
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(macro) + "\\((\\w+), (\\w+), (\\d+)\\);").matcher(text);
        while (m.find()) {
            out.computeIfAbsent(m.group(1), k -> new LinkedHashMap<>()).put(m.group(2), Integer.parseInt(m.group(3)));
        }
        return out;
    }

    /** The size the line {@code MACRO(struct, size);} asserts. */
    public int sizeAssert(String macro, String struct) {
        Matcher m = found(Pattern.compile("(?m)^" + Pattern.quote(macro) + "\\(" + Pattern.quote(struct) + ", (\\d+)\\);").matcher(text),
                macro + "(" + struct + ", ...)");
        return Integer.parseInt(m.group(1));
    }

    /** The enumerators of {@code enum name} as written, comments left out: {@code "AGENT_EGRESS_FIB = 0"}, {@code "AGENT_COUNTER_COUNT"}. */
    public List<String> enumerators(String name) {
        Matcher m = found(Pattern.compile("enum " + Pattern.quote(name) + " \\{(.*?)\\};", Pattern.DOTALL).matcher(text), "enum " + name);
        return Arrays.stream(COMMENT.matcher(m.group(1)).replaceAll("").split(","))
                .map(e -> e.strip().replaceAll("\\s+", " ")).filter(e -> !e.isEmpty()).toList();
    }
}
