package org.handoff.testkit;

/** A lab step failed: a command exited non-zero, timed out, or a service did not come up. */
public final class LabException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public LabException(String message) {
        super(message);
    }

    public LabException(String message, Throwable cause) {
        super(message, cause);
    }
}
