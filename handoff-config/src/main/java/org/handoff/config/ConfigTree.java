package org.handoff.config;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A config file parsed into a tree, and the errors a schema finds while it walks it. The two
 * processes' loaders ({@code ConfigLoader} for the director, {@code AgentConfigLoader} for the
 * agent) are schemas: they walk the tree once through {@link ConfigNode}s, which report each
 * bad value where it stands as {@code path.in.file=value (expected: ...)} and hand back a
 * default so the walk goes on; at the end {@link #throwIfErrors()} throws every error found at
 * once. Unknown keys are errors ({@link ConfigNode#section}), so a typo never passes as a
 * default, and so are duplicate keys, which YAML would otherwise resolve silently.
 *
 * <pre>{@code
 * ConfigTree tree = ConfigTree.read(file, new ConfigTree.Wording("config", "50ms, 2s, 5m"));
 * ConfigNode root = tree.root(List.of("workers", "limits"));
 * int workers = (int) root.get("workers").integer(1, 1, 64);
 * ConfigNode limits = root.section("limits", List.of("max-flows"));
 * long maxFlows = limits.get("max-flows").integer(1000, 1, 1_000_000);
 * tree.throwIfErrors();
 * }</pre>
 */
public final class ConfigTree {
    /**
     * How a schema's errors word what differs between the two processes' files.
     *
     * @param unnamed what a config read from text (no file) is called: "config", "agent config"
     * @param durationExample how durations are written, after "written like": "50ms, 2s, 5m"
     */
    public record Wording(String unnamed, String durationExample) {
        public Wording {
            Objects.requireNonNull(unnamed, "unnamed");
            Objects.requireNonNull(durationExample, "durationExample");
        }
    }

    private final Path source;
    private final JsonNode root;
    private final Wording wording;
    private final List<String> errors = new ArrayList<>();

    private ConfigTree(Path source, JsonNode root, Wording wording) {
        this.source = source;
        this.root = root;
        this.wording = Objects.requireNonNull(wording, "wording");
    }

    /**
     * Reads and parses a file.
     *
     * @throws ConfigException when the file cannot be read or is not YAML (JSON for a ".json" name)
     */
    public static ConfigTree read(Path file, Wording wording) throws ConfigException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigException(file, List.of("file=" + file + " (expected: a readable file: " + e + ")"));
        }
        return parse(text, file, wording);
    }

    /**
     * Parses config text: JSON when {@code source} ends in ".json" (the stricter parser), YAML
     * otherwise (JSON is YAML too). {@code source} names the file in errors and is where relative
     * paths are resolved from; it may be null.
     */
    public static ConfigTree parse(String text, Path source, Wording wording) throws ConfigException {
        boolean json = source != null && source.toString().endsWith(".json");
        ObjectMapper mapper = new ObjectMapper(json ? new JsonFactory() : new YAMLFactory());
        mapper.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
        try {
            return new ConfigTree(source, mapper.readTree(text), wording);
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            String where = at == null ? "" : "line " + at.getLineNr() + ", column " + at.getColumnNr() + ": ";
            throw new ConfigException(source, wording.unnamed(), List.of(where + e.getOriginalMessage()
                    + " (expected: " + (json ? "JSON" : "YAML") + " without duplicate keys)"));
        }
    }

    /**
     * The top-level mapping, its keys checked against {@code keys}.
     *
     * @throws ConfigException when the file is empty or its top level is not a mapping: nothing
     *     else can be checked then
     */
    public ConfigNode root(List<String> keys) throws ConfigException {
        if (root == null || root.isMissingNode() || root.isNull() || !root.isObject()) {
            String found = root == null || root.isMissingNode() || root.isNull() ? "<empty>" : ConfigNode.show(root);
            throw new ConfigException(source, wording.unnamed(), List.of("(root)=" + found + " (expected: a mapping with keys "
                    + String.join(", ", keys) + ")"));
        }
        ConfigNode node = new ConfigNode(this, "", root);
        node.onlyKeys(keys);
        return node;
    }

    /** The file, or null when the config came from text. */
    public Path source() {
        return source;
    }

    String durationExample() {
        return wording.durationExample();
    }

    /**
     * Records an error that is not about one node's own value, a cross-check between keys; it
     * must read {@code path=value (expected: ...)} like the others.
     */
    public void error(String message) {
        errors.add(message);
    }

    /** How many errors so far: a schema compares counts to tell whether a part was valid. */
    public int errorCount() {
        return errors.size();
    }

    /** Throws every error found, in the order found, if there is any. */
    public void throwIfErrors() throws ConfigException {
        if (!errors.isEmpty()) {
            throw new ConfigException(source, wording.unnamed(), errors);
        }
    }
}
