package org.handoff.director.http;

/** Internal: a check on a head failed; the message is the MALFORMED/TOO_LARGE reason. */
final class BadHeadException extends Exception {
    private final boolean tooLarge;

    BadHeadException(String reason) {
        this(reason, false);
    }

    BadHeadException(String reason, boolean tooLarge) {
        super(reason, null, false, false);
        this.tooLarge = tooLarge;
    }

    boolean tooLarge() {
        return tooLarge;
    }
}
