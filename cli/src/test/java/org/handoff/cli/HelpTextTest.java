package org.handoff.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * Every command's help reads as whole sentences, wrapped by picocli alone: each element of a
 * description is one paragraph ending with a full stop (an element that does not end one is a
 * sentence cut across elements, which picocli prints as a hard line break), and no description
 * carries its own line breaks.
 */
class HelpTextTest {
    /** Every command under {@code handoff}, the root included, with its path ("handoff agent setup"). */
    static List<CommandLine> allCommands() {
        List<CommandLine> all = new ArrayList<>();
        collect(HandoffCommand.commandLine(), all);
        return all;
    }

    private static void collect(CommandLine c, List<CommandLine> all) {
        all.add(c);
        c.getSubcommands().values().forEach(sub -> collect(sub, all));
    }

    @Test
    void everyCommandAndOptionDescriptionIsWholeSentences() {
        List<String> problems = new ArrayList<>();
        for (CommandLine c : allCommands()) {
            CommandSpec spec = c.getCommandSpec();
            String where = spec.qualifiedName();
            String[] description = spec.usageMessage().description();
            if (description.length == 0) {
                problems.add(where + ": no description");
            }
            checkParagraphs(where, description, problems);
            for (ArgSpec arg : spec.args()) {
                String name = arg.isOption() ? ((CommandLine.Model.OptionSpec) arg).longestName() : arg.paramLabel();
                checkParagraphs(where + " " + name, arg.description(), problems);
            }
        }
        assertEquals(List.of(), problems);
    }

    private static void checkParagraphs(String where, String[] paragraphs, List<String> problems) {
        for (String p : paragraphs) {
            if (p.contains("\n") || p.contains("%n")) {
                problems.add(where + ": a line break inside \"" + p + "\"");
            }
            if (!p.strip().endsWith(".")) {
                problems.add(where + ": \"" + p + "\" does not end a sentence");
            }
        }
    }

    @Test
    void everyHelpRendersAndListsEachSubcommandWithAWholeSentence() {
        for (CommandLine c : allCommands()) {
            CommandSpec spec = c.getCommandSpec();
            List<String> path = new ArrayList<>(List.of(spec.qualifiedName().split(" ")));
            path.remove(0); // "handoff"
            path.add("--help");
            StringWriter out = new StringWriter();
            CommandLine root = HandoffCommand.commandLine();
            root.setOut(new PrintWriter(out, true));
            assertEquals(0, root.execute(path.toArray(String[]::new)), String.join(" ", path));
            String help = out.toString();
            assertTrue(help.startsWith("Usage: " + spec.qualifiedName()), help);
            for (String entry : commandListEntries(help)) {
                assertTrue(entry.endsWith("."), spec.qualifiedName() + " --help lists a command cut mid-sentence: \"" + entry + "\"\n"
                        + help);
            }
        }
    }

    /** The entries of a help's "Commands:" list, each with its wrapped lines joined. */
    static List<String> commandListEntries(String help) {
        List<String> entries = new ArrayList<>();
        boolean inList = false;
        for (String line : help.split("\n")) {
            if (line.equals("Commands:")) {
                inList = true;
            } else if (inList && line.matches("  \\S.*")) {
                entries.add(line.strip().replaceFirst("^\\S+\\s+", ""));
            } else if (inList && line.matches("\\s{4,}\\S.*") && !entries.isEmpty()) {
                int last = entries.size() - 1;
                entries.set(last, entries.get(last) + " " + line.strip());
            } else {
                inList = false;
            }
        }
        return entries;
    }

    @Test
    void theTopLevelListShowsEveryVisibleCommand() {
        StringWriter out = new StringWriter();
        CommandLine root = HandoffCommand.commandLine();
        root.setOut(new PrintWriter(out, true));
        root.execute("--help");
        List<String> entries = commandListEntries(out.toString());
        assertEquals(8, entries.size(), out.toString());
        assertTrue(entries.contains("Build, show or remove the lab: a director, agents and nginx origins in network namespaces on "
                + "this machine."), entries.toString());
    }
}
