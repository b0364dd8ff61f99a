package org.handoff.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.handoff.host.CommandResult;
import org.handoff.host.ProcessRunner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The configurations the lab's origins and the tests' nginx run with. */
class NginxConfigTest {

    @Test
    void anOriginOfTheLabServesWithItsNameAndTakesUploads() {
        LabTopology.Origin o = LabTopology.standard(LabTopologyTest.HOME, "ho-", Path.of("/tmp/handoff-lab")).origin(1);
        assertEquals(String.join("\n",
                "daemon on;",
                "worker_processes 1;",
                "pid /tmp/handoff-lab/origin1/nginx.pid;",
                "error_log /tmp/handoff-lab/origin1/nginx-error.log warn;",
                "events { worker_connections 1024; }",
                "http {",
                "    access_log /tmp/handoff-lab/origin1/access.log;",
                "    client_body_temp_path /tmp/handoff-lab/origin1/tmp/body;",
                "    proxy_temp_path /tmp/handoff-lab/origin1/tmp/proxy;",
                "    fastcgi_temp_path /tmp/handoff-lab/origin1/tmp/fastcgi;",
                "    uwsgi_temp_path /tmp/handoff-lab/origin1/tmp/uwsgi;",
                "    scgi_temp_path /tmp/handoff-lab/origin1/tmp/scgi;",
                "    default_type application/octet-stream;",
                "    sendfile on;",
                "    keepalive_requests 1000;",
                "    client_max_body_size 200m;",
                "    server {",
                "        listen 80 reuseport;",
                "        root /tmp/handoff-lab/origin1/www;",
                "        add_header X-Served-By origin1 always;",
                "        # Uploads (PUT) land in www/uploads, so a test can check them byte for byte.",
                "        location /uploads/ {",
                "            dav_methods PUT;",
                "            create_full_put_path on;",
                "        }",
                "    }",
                "}",
                ""), o.nginx().render());
        assertEquals(List.of("body", "proxy", "fastcgi", "uwsgi", "scgi").stream().map(o.tempDirectory()::resolve).toList(),
                o.nginx().temporaryPaths());
    }

    @Test
    void aForegroundServerForATest() {
        Path d = Path.of("/t");
        assertEquals(String.join("\n",
                "load_module m.so;",
                "daemon off;",
                "master_process on;",
                "worker_processes 1;",
                "user root;",
                "pid /t/nginx.pid;",
                "error_log /t/error.log info;",
                "events { worker_connections 256; }",
                "http {",
                "    access_log /t/access.log;",
                "    client_body_temp_path /t/body;",
                "    proxy_temp_path /t/proxy;",
                "    fastcgi_temp_path /t/fastcgi;",
                "    uwsgi_temp_path /t/uwsgi;",
                "    scgi_temp_path /t/scgi;",
                "    default_type application/octet-stream;",
                "    sendfile on;",
                "    keepalive_timeout 30;",
                "    server {",
                "        listen 198.18.0.3:80;",
                "        root /www;",
                "        location / { }",
                "    }",
                "}",
                ""), NginxConfig.serving("198.18.0.3:80", Path.of("/www")).foreground().user("root").workerConnections(256)
                .pidFile(d.resolve("nginx.pid")).errorLog(d.resolve("error.log"), "info").accessLog(d.resolve("access.log"))
                .tempDirectory(d).main("load_module m.so;").http("keepalive_timeout 30;").server("location / { }").render());
    }

    @Test
    void everyFileMustBeNamed() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> NginxConfig.serving("80", Path.of("/www")).pidFile(Path.of("/p")).render());
        assertEquals("nginx config for 80: pid file, error log, access log and temp directory are all needed (got /p, null,"
                + " null, null)", e.getMessage());
    }

    @Test
    void nginxAcceptsTheOriginsConfig(@TempDir Path dir) throws Exception {
        assumeTrue(ProcessRunner.findExecutable("nginx").isPresent(), "nginx not installed (scripts/install-deps.sh)");
        LabTopology.Origin o = LabTopology.standard(LabTopologyTest.HOME, "ho-", dir).origin(2);
        Files.createDirectories(o.www());
        Files.createDirectories(o.tempDirectory()); // as up makes it
        Path conf = dir.resolve("nginx.conf");
        Files.writeString(conf, o.nginx().render());
        CommandResult t = new ProcessRunner().run("nginx", "-t", "-q", "-p", dir.toString(), "-c", conf.toString());
        assertEquals(0, t.exitCode(), t::describe);
    }
}
