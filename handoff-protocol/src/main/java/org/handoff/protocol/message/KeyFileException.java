package org.handoff.protocol.message;

import java.io.IOException;

/**
 * A key file that breaks the format, located by file and line:
 * "keys.conf:3: key-id=7 secret 16 bytes (expected: 32..64 bytes)". Messages never contain secrets.
 */
public final class KeyFileException extends IOException {
    private final String file;
    private final int line;

    public KeyFileException(String file, int line, String detail) {
        super(file + (line > 0 ? ":" + line : "") + ": " + detail);
        this.file = file;
        this.line = line;
    }

    public String file() {
        return file;
    }

    /** 1-based line number, or 0 when the problem is the file as a whole. */
    public int line() {
        return line;
    }
}
