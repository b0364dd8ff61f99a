package org.handoff.protocol.message;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The key ring shared by a director and its agents: every key a receiver accepts, and the one a
 * sender signs with. Immutable; reloading builds a new instance and swaps it behind one reference
 * (codecs take a {@code Supplier<HandoffKeys>} and notice the swap).
 *
 * <p>Key file format (UTF-8, one key a line):
 * <pre>
 * # comment; blank lines are ignored, and so is anything after '#'
 * &lt;key-id&gt; &lt;hex-secret&gt; [send]
 * </pre>
 * key-id is decimal 0..4294967295 (the header's u32); the secret is 32..64 bytes written as hex
 * (64..128 hex digits). Several keys may be listed so that a rotation can overlap; exactly one is
 * marked {@code send} unless the file holds a single key, which is then the sending key.
 */
public final class HandoffKeys {
    public static final int MIN_SECRET_BYTES = 32;
    /** SHA-256's block size: a longer secret would only be hashed down (RFC 2104 section 2). */
    public static final int MAX_SECRET_BYTES = 64;
    public static final long MAX_KEY_ID = 0xffff_ffffL;
    private static final String LINE_FORMAT = "<key-id> <hex-secret> [send]";

    private final long[] keyIds;
    private final byte[][] secrets;
    private final long sendingKeyId;

    private HandoffKeys(long[] keyIds, byte[][] secrets, long sendingKeyId) {
        this.keyIds = keyIds;
        this.secrets = secrets;
        this.sendingKeyId = sendingKeyId;
    }

    /** Builds a ring in code (tests, tools); {@code keys} alternates key id and secret. */
    public static HandoffKeys of(long sendingKeyId, Object... idsAndSecrets) {
        if (idsAndSecrets.length == 0 || idsAndSecrets.length % 2 != 0) {
            throw new IllegalArgumentException("keys: " + idsAndSecrets.length + " arguments (expected: pairs of key id and secret)");
        }
        int n = idsAndSecrets.length / 2;
        long[] ids = new long[n];
        byte[][] secrets = new byte[n][];
        for (int i = 0; i < n; i++) {
            long id = ((Number) idsAndSecrets[2 * i]).longValue();
            byte[] secret = ((byte[]) idsAndSecrets[2 * i + 1]).clone();
            String problem = checkKey(id, secret.length);
            if (problem != null) {
                throw new IllegalArgumentException("key-id=" + id + " " + problem);
            }
            for (int j = 0; j < i; j++) {
                if (ids[j] == id) {
                    throw new IllegalArgumentException("key-id=" + id + " duplicate (expected: unique key ids)");
                }
            }
            ids[i] = id;
            secrets[i] = secret;
        }
        HandoffKeys keys = new HandoffKeys(ids, secrets, sendingKeyId);
        if (keys.indexOf(sendingKeyId) < 0) {
            throw new IllegalArgumentException("sending key-id=" + sendingKeyId + " (expected: one of the ring's key ids)");
        }
        return keys;
    }

    /** Reads and validates a key file; format errors are {@link KeyFileException}s naming file and line. */
    public static HandoffKeys load(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        return parse(file.toString(), lines);
    }

    /** Parses key file lines; {@code source} names them in error messages. */
    public static HandoffKeys parse(String source, List<String> lines) throws KeyFileException {
        List<Long> ids = new ArrayList<>();
        List<byte[]> secrets = new ArrayList<>();
        List<Integer> lineOfKey = new ArrayList<>();
        long sendId = -1;
        int sendLine = 0;
        for (int i = 0; i < lines.size(); i++) {
            int lineNo = i + 1;
            String line = lines.get(i);
            int hash = line.indexOf('#');
            if (hash >= 0) {
                line = line.substring(0, hash);
            }
            line = line.strip();
            if (line.isEmpty()) {
                continue;
            }
            String[] tokens = line.split("\\s+");
            long id;
            try {
                id = Long.parseLong(tokens[0]);
            } catch (NumberFormatException e) {
                id = -1;
            }
            if (id < 0 || id > MAX_KEY_ID || !tokens[0].chars().allMatch(Character::isDigit)) {
                throw new KeyFileException(source, lineNo, "key-id=" + tokens[0] + " (expected: decimal 0.." + MAX_KEY_ID + ")");
            }
            if (tokens.length < 2) {
                throw new KeyFileException(source, lineNo, "key-id=" + id + " has no secret (expected: " + LINE_FORMAT + ")");
            }
            if (tokens.length > 3 || (tokens.length == 3 && !tokens[2].equals("send"))) {
                throw new KeyFileException(source, lineNo, "key-id=" + id + " unexpected '" + tokens[tokens.length - 1]
                        + "' (expected: " + LINE_FORMAT + ")");
            }
            byte[] secret = parseHexSecret(source, lineNo, id, tokens[1]);
            String problem = checkKey(id, secret.length);
            if (problem != null) {
                throw new KeyFileException(source, lineNo, "key-id=" + id + " " + problem);
            }
            int previous = ids.indexOf(id);
            if (previous >= 0) {
                throw new KeyFileException(source, lineNo, "key-id=" + id + " duplicate (expected: unique key ids; first at line "
                        + lineOfKey.get(previous) + ")");
            }
            if (tokens.length == 3) {
                if (sendId >= 0) {
                    throw new KeyFileException(source, lineNo, "key-id=" + id + " marked send, and so is key-id=" + sendId
                            + " at line " + sendLine + " (expected: exactly one 'send' key)");
                }
                sendId = id;
                sendLine = lineNo;
            }
            ids.add(id);
            secrets.add(secret);
            lineOfKey.add(lineNo);
        }
        if (ids.isEmpty()) {
            throw new KeyFileException(source, 0, "no keys (expected: at least one line '" + LINE_FORMAT + "')");
        }
        if (sendId < 0) {
            if (ids.size() > 1) {
                throw new KeyFileException(source, 0, ids.size() + " keys, none marked send (expected: exactly one 'send' key)");
            }
            sendId = ids.get(0);
        }
        long[] idArray = new long[ids.size()];
        for (int i = 0; i < idArray.length; i++) {
            idArray[i] = ids.get(i);
        }
        return new HandoffKeys(idArray, secrets.toArray(new byte[0][]), sendId);
    }

    private static String checkKey(long id, int secretLength) {
        if (id < 0 || id > MAX_KEY_ID) {
            return "(expected: key id 0.." + MAX_KEY_ID + ")";
        }
        if (secretLength < MIN_SECRET_BYTES || secretLength > MAX_SECRET_BYTES) {
            return "secret " + secretLength + " bytes (expected: " + MIN_SECRET_BYTES + ".." + MAX_SECRET_BYTES + " bytes)";
        }
        return null;
    }

    private static byte[] parseHexSecret(String source, int lineNo, long id, String hex) throws KeyFileException {
        if ((hex.length() & 1) != 0) {
            throw new KeyFileException(source, lineNo, "key-id=" + id + " secret has " + hex.length()
                    + " hex digits (expected: an even number, " + 2 * MIN_SECRET_BYTES + ".." + 2 * MAX_SECRET_BYTES + ")");
        }
        byte[] out = new byte[hex.length() / 2];
        for (int i = 0; i < hex.length(); i++) {
            int d = Character.digit(hex.charAt(i), 16);
            if (d < 0) {
                // Name the position, never the secret.
                throw new KeyFileException(source, lineNo, "key-id=" + id + " secret has a non-hex character at position "
                        + (i + 1) + " (expected: hex digits 0-9 a-f)");
            }
            out[i / 2] |= (byte) ((i & 1) == 0 ? d << 4 : d);
        }
        return out;
    }

    /** The key id senders put in the header. */
    public long sendingKeyId() {
        return sendingKeyId;
    }

    public int size() {
        return keyIds.length;
    }

    public long keyId(int index) {
        return keyIds[index];
    }

    public boolean contains(long keyId) {
        return indexOf(keyId) >= 0;
    }

    /** Index of a key id, or -1. A ring holds a handful of keys, so a scan beats any map. */
    public int indexOf(long keyId) {
        for (int i = 0; i < keyIds.length; i++) {
            if (keyIds[i] == keyId) {
                return i;
            }
        }
        return -1;
    }

    /** A copy of the secret; package-private so that only the MAC code sees key material. */
    byte[] secret(int index) {
        return secrets[index].clone();
    }

    /** Lists key ids only; secrets never reach logs. */
    @Override
    public String toString() {
        return "HandoffKeys{ids=" + Arrays.toString(keyIds) + ", send=" + sendingKeyId + "}";
    }
}
