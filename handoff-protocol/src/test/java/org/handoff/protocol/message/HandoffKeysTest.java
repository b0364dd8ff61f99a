package org.handoff.protocol.message;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HandoffKeysTest {
    private static final String SECRET_A = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
    private static final String SECRET_B = "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100aabbccdd";

    private static HandoffKeys parse(String... lines) throws KeyFileException {
        return HandoffKeys.parse("keys.conf", List.of(lines));
    }

    private static String error(String... lines) {
        return assertThrows(KeyFileException.class, () -> parse(lines)).getMessage();
    }

    @Test
    void parsesSeveralKeysWithCommentsAndASendingKey() throws Exception {
        HandoffKeys keys = parse(
                "# rotation in progress: 8 is new, 7 retires after the window",
                "",
                "7 " + SECRET_A + "   # old",
                "  8\t" + SECRET_B.toUpperCase() + " send",
                "#9 " + SECRET_A);
        assertEquals(2, keys.size());
        assertEquals(8, keys.sendingKeyId());
        assertTrue(keys.contains(7));
        assertTrue(keys.contains(8));
        assertFalse(keys.contains(9));
        assertArrayEquals(GoldenMessages.SECRET, keys.secret(keys.indexOf(7)));
        assertEquals(36, keys.secret(keys.indexOf(8)).length);
    }

    @Test
    void singleKeyIsTheSendingKeyWithoutAMark() throws Exception {
        HandoffKeys keys = parse("4294967295 " + SECRET_A);
        assertEquals(4294967295L, keys.sendingKeyId());
    }

    @Test
    void loadsTheCommittedTestKeyFile() throws Exception {
        Path file = Path.of(getClass().getResource("/vectors/messages/test.keys").toURI());
        HandoffKeys keys = HandoffKeys.load(file);
        assertEquals(GoldenMessages.KEY_ID, keys.sendingKeyId());
        assertArrayEquals(GoldenMessages.SECRET, keys.secret(0));
    }

    @Test
    void loadNamesTheFileInErrors(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("director.keys");
        Files.writeString(file, "# keys\n7 00ff\n");
        KeyFileException e = assertThrows(KeyFileException.class, () -> HandoffKeys.load(file));
        assertEquals(file + ":2: key-id=7 secret 2 bytes (expected: 32..64 bytes)", e.getMessage());
        assertEquals(2, e.line());
        assertEquals(file.toString(), e.file());
    }

    @Test
    void badFilesGiveFileLineKeyIdAndExpectation() {
        assertEquals("keys.conf:1: key-id=abc (expected: decimal 0..4294967295)", error("abc " + SECRET_A));
        assertEquals("keys.conf:1: key-id=-1 (expected: decimal 0..4294967295)", error("-1 " + SECRET_A));
        assertEquals("keys.conf:1: key-id=4294967296 (expected: decimal 0..4294967295)", error("4294967296 " + SECRET_A));
        assertEquals("keys.conf:2: key-id=7 has no secret (expected: <key-id> <hex-secret> [send])", error("", "7"));
        assertEquals("keys.conf:1: key-id=7 secret 16 bytes (expected: 32..64 bytes)", error("7 " + SECRET_A.substring(0, 32)));
        assertEquals("keys.conf:1: key-id=7 secret 65 bytes (expected: 32..64 bytes)", error("7 " + SECRET_A + SECRET_A + "00"));
        assertEquals("keys.conf:1: key-id=7 secret has 63 hex digits (expected: an even number, 64..128)",
                error("7 " + SECRET_A.substring(1)));
        assertEquals("keys.conf:1: key-id=7 secret has a non-hex character at position 3 (expected: hex digits 0-9 a-f)",
                error("7 00g" + SECRET_A.substring(3)));
        assertEquals("keys.conf:3: key-id=7 duplicate (expected: unique key ids; first at line 1)",
                error("7 " + SECRET_A, "8 " + SECRET_B, "7 " + SECRET_B));
        assertEquals("keys.conf:2: key-id=8 marked send, and so is key-id=7 at line 1 (expected: exactly one 'send' key)",
                error("7 " + SECRET_A + " send", "8 " + SECRET_B + " send"));
        assertEquals("keys.conf: 2 keys, none marked send (expected: exactly one 'send' key)", error("7 " + SECRET_A, "8 " + SECRET_B));
        assertEquals("keys.conf:1: key-id=7 unexpected 'sned' (expected: <key-id> <hex-secret> [send])", error("7 " + SECRET_A + " sned"));
        assertEquals("keys.conf: no keys (expected: at least one line '<key-id> <hex-secret> [send]')", error("# empty", ""));
    }

    @Test
    void errorsAndToStringNeverShowSecrets() throws Exception {
        String message = error("7 " + SECRET_A.substring(0, 40));
        assertFalse(message.contains(SECRET_A.substring(0, 8)), message);
        assertEquals("HandoffKeys{ids=[7, 8], send=8}", parse("7 " + SECRET_A, "8 " + SECRET_B + " send").toString());
    }

    @Test
    void ringsBuiltInCodeAreCheckedToo() {
        assertThrows(IllegalArgumentException.class, () -> HandoffKeys.of(9, 7L, GoldenMessages.SECRET));
        assertThrows(IllegalArgumentException.class, () -> HandoffKeys.of(7, 7L, new byte[31]));
        assertThrows(IllegalArgumentException.class, () -> HandoffKeys.of(7, 7L, GoldenMessages.SECRET, 7L, GoldenMessages.SECRET));
        assertThrows(IllegalArgumentException.class, () -> HandoffKeys.of(7, 7L));
    }
}
