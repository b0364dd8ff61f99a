package org.handoff.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code handoff version}: the project version, the Java runtime and the OS, one per line. */
@Command(name = "version", mixinStandardHelpOptions = true,
        versionProvider = VersionCommand.Provider.class,
        description = "Print the handoff version, the Java runtime and the operating system.")
public final class VersionCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        for (String line : lines()) {
            spec.commandLine().getOut().println(line);
        }
        return 0;
    }

    static String[] lines() {
        return new String[] {
            "handoff " + projectVersion(),
            "java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name")
                    + ", " + System.getProperty("java.vendor") + ")",
            "os " + System.getProperty("os.name") + " " + System.getProperty("os.version")
                    + " " + System.getProperty("os.arch"),
        };
    }

    /**
     * The jar manifest's Implementation-Version (set by the cli pom). Tests run from
     * target/classes, where there is no manifest: then the version Maven filtered into
     * {@code handoff-version.properties} at build time.
     */
    public static String projectVersion() {
        String fromManifest = VersionCommand.class.getPackage().getImplementationVersion();
        if (fromManifest != null) {
            return fromManifest;
        }
        try (InputStream in = VersionCommand.class.getResourceAsStream("/handoff-version.properties")) {
            if (in != null) {
                Properties p = new Properties();
                p.load(in);
                String v = p.getProperty("version");
                if (v != null && !v.isBlank() && !v.startsWith("${")) {
                    return v;
                }
            }
        } catch (IOException e) {
            // Fall through: an unreadable resource is reported as an unknown version.
        }
        return "unknown";
    }

    /** Backs {@code handoff --version} and {@code handoff version --version}. */
    public static final class Provider implements IVersionProvider {
        @Override
        public String[] getVersion() {
            return lines();
        }
    }
}
