package org.handoff.protocol.message;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.handoff.protocol.wire.Bytes;

/**
 * Test-only tool that wrote the golden vectors from {@link GoldenMessages}; tests never call it.
 * Re-run it only on a deliberate wire change, review the diff of the .hex files, and say why in
 * the commit:
 * <pre>
 * mvn -q -B -pl handoff-protocol test-compile
 * java -cp handoff-protocol/target/classes:handoff-protocol/target/test-classes \
 *     org.handoff.protocol.message.GoldenVectorGenerator handoff-protocol/src/test/resources/vectors/messages
 * </pre>
 */
public final class GoldenVectorGenerator {
    private GoldenVectorGenerator() {
    }

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args.length > 0 ? args[0] : "handoff-protocol/src/test/resources/vectors/messages");
        Files.createDirectories(dir);
        MessageEncoder encoder = Vectors.encoder();
        for (GoldenMessages.Vector v : GoldenMessages.ALL) {
            byte[] d = new byte[v.body().encodedLength()];
            encoder.encode(v.body(), v.messageId(), GoldenMessages.KEY_ID, GoldenMessages.TIMESTAMP, d, 0);
            StringBuilder out = new StringBuilder();
            out.append("# ").append(v.body().type()).append(", ").append(d.length).append(" bytes, written by GoldenVectorGenerator\n");
            out.append("# id=0x").append(Long.toHexString(v.messageId())).append(" key=").append(GoldenMessages.KEY_ID)
                    .append(" ts=").append(GoldenMessages.TIMESTAMP).append("\n");
            out.append("# ").append(v.body()).append("\n");
            for (int i = 0; i < d.length; i += 16) {
                int n = Math.min(16, d.length - i);
                StringBuilder line = new StringBuilder();
                for (int j = 0; j < n; j++) {
                    line.append(j == 0 ? "" : " ").append(Bytes.hex(d, i + j, 1));
                }
                out.append(line).append('\n');
            }
            Files.writeString(dir.resolve(v.file()), out.toString(), StandardCharsets.US_ASCII);
        }
        Files.writeString(dir.resolve("test.keys"), "# Test key for the golden vectors. Never use outside tests.\n"
                + GoldenMessages.KEY_ID + " " + Bytes.hex(GoldenMessages.SECRET, 0, GoldenMessages.SECRET.length) + " send\n",
                StandardCharsets.US_ASCII);
    }
}
