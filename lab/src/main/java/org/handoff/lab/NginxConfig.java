package org.handoff.lab;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * An nginx configuration for one instance a lab runs: its own pid file, logs and temporary
 * paths, so it never touches (or depends on) a system-wide nginx. The lab's origins
 * ({@link LabRunner}) and testkit's {@code NetnsLab.startNginx} render theirs here.
 *
 * <pre>{@code
 * String conf = NginxConfig.serving("80 reuseport", www)
 *         .pidFile(dir.resolve("nginx.pid")).errorLog(dir.resolve("nginx-error.log"), "warn")
 *         .accessLog(dir.resolve("access.log")).tempDirectory(dir.resolve("tmp"))
 *         .http("keepalive_requests 1000;").server("add_header X-Served-By origin1 always;")
 *         .render();
 * }</pre>
 */
public final class NginxConfig {
    /** The temporary paths nginx needs ({@code NAME_temp_path}) ... */
    private static final List<String> TEMP_DIRECTIVES = List.of("client_body", "proxy", "fastcgi", "uwsgi", "scgi");
    /** ... and the directory each gets under {@link #tempDirectory}. */
    private static final List<String> TEMP_DIRECTORIES = List.of("body", "proxy", "fastcgi", "uwsgi", "scgi");

    private final String listen;
    private final Path root;
    private boolean daemon = true;
    private String user;
    private int workerConnections = 1024;
    private Path pidFile;
    private Path errorLog;
    private String errorLogLevel = "warn";
    private Path accessLog;
    private Path tempDirectory;
    private final List<String> mainLines = new ArrayList<>();
    private final List<String> httpLines = new ArrayList<>();
    private final List<String> serverLines = new ArrayList<>();

    private NginxConfig(String listen, Path root) {
        this.listen = listen;
        this.root = root;
    }

    /** A server on {@code listen} (nginx's listen argument, e.g. {@code 198.18.0.3:80}) serving files under {@code root}. */
    public static NginxConfig serving(String listen, Path root) {
        return new NginxConfig(listen, root);
    }

    /** nginx's listen argument, as given. */
    public String listen() {
        return listen;
    }

    public Path pidFile() {
        return pidFile;
    }

    public Path errorLog() {
        return errorLog;
    }

    /** {@code daemon off; master_process on;}: the master stays the process that was started (default: daemon on). */
    public NginxConfig foreground() {
        daemon = false;
        return this;
    }

    public NginxConfig user(String name) {
        user = name;
        return this;
    }

    public NginxConfig workerConnections(int n) {
        workerConnections = n;
        return this;
    }

    public NginxConfig pidFile(Path file) {
        pidFile = file;
        return this;
    }

    public NginxConfig errorLog(Path file, String level) {
        errorLog = file;
        errorLogLevel = level;
        return this;
    }

    public NginxConfig accessLog(Path file) {
        accessLog = file;
        return this;
    }

    /**
     * Where the temporary paths go: {@code DIR/body}, {@code DIR/proxy}, {@code DIR/fastcgi},
     * {@code DIR/uwsgi}, {@code DIR/scgi}.
     */
    public NginxConfig tempDirectory(Path dir) {
        tempDirectory = dir;
        return this;
    }

    /** The temporary directories nginx makes under {@link #tempDirectory} (a lab records them to remove them). */
    public List<Path> temporaryPaths() {
        return TEMP_DIRECTORIES.stream().map(tempDirectory::resolve).toList();
    }

    /** A line before everything else, e.g. {@code load_module ...;}. */
    public NginxConfig main(String line) {
        mainLines.add(line);
        return this;
    }

    /** A line in the {@code http} block after the common ones. */
    public NginxConfig http(String line) {
        httpLines.add(line);
        return this;
    }

    /** A line in the {@code server} block after {@code listen} and {@code root}. */
    public NginxConfig server(String line) {
        serverLines.add(line);
        return this;
    }

    /** The configuration text; pid file, error log, access log and temp directory must be set. */
    public String render() {
        if (pidFile == null || errorLog == null || accessLog == null || tempDirectory == null) {
            throw new IllegalStateException("nginx config for " + listen + ": pid file, error log, access log and temp"
                    + " directory are all needed (got " + pidFile + ", " + errorLog + ", " + accessLog + ", " + tempDirectory + ")");
        }
        List<String> out = new ArrayList<>(mainLines);
        out.add(daemon ? "daemon on;" : "daemon off;");
        if (!daemon) {
            out.add("master_process on;");
        }
        out.add("worker_processes 1;");
        if (user != null) {
            out.add("user " + user + ";");
        }
        out.add("pid " + pidFile + ";");
        out.add("error_log " + errorLog + " " + errorLogLevel + ";");
        out.add("events { worker_connections " + workerConnections + "; }");
        out.add("http {");
        out.add("    access_log " + accessLog + ";");
        List<Path> temps = temporaryPaths();
        for (int i = 0; i < TEMP_DIRECTIVES.size(); i++) {
            out.add("    " + TEMP_DIRECTIVES.get(i) + "_temp_path " + temps.get(i) + ";");
        }
        out.add("    default_type application/octet-stream;");
        out.add("    sendfile on;");
        httpLines.forEach(l -> out.add("    " + l));
        out.add("    server {");
        out.add("        listen " + listen + ";");
        out.add("        root " + root + ";");
        serverLines.forEach(l -> out.add("        " + l));
        out.add("    }");
        out.add("}");
        out.add("");
        return String.join("\n", out);
    }
}
