package org.handoff.lab;

/** A lab step failed: a service did not come up, a process exited, a file could not be written. */
public final class LabException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public LabException(String message) {
        super(message);
    }

    public LabException(String message, Throwable cause) {
        super(message, cause);
    }
}
