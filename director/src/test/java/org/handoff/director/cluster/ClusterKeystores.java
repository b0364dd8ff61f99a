package org.handoff.director.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Path;

/** Test key stores, made as docs/scale-out.md tells an operator to make the group's. */
public final class ClusterKeystores {
    private ClusterKeystores() {}

    /** A PKCS12 store with one RSA key pair (keytool of the running JDK). */
    public static void generate(Path file, String password) throws IOException, InterruptedException {
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        Process p = new ProcessBuilder(keytool.toString(), "-genkeypair", "-alias", "member", "-keyalg", "RSA", "-keysize", "2048",
                "-validity", "365", "-dname", "CN=handoff-director", "-storetype", "PKCS12", "-keystore", file.toString(),
                "-storepass", password, "-keypass", password).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), "keytool: " + out);
    }
}
