package org.handoff.director.http;

import java.util.Objects;

/**
 * What {@link HttpHeadParser#parse} made of the bytes received so far: the head is incomplete
 * ({@link Status#NEED_MORE}), complete and valid ({@link Status#COMPLETE}, with the request),
 * over the size limits ({@link Status#TOO_LARGE}, answer 431) or invalid
 * ({@link Status#MALFORMED}, answer 400).
 *
 * <p>{@code NEED_MORE} is one shared constant, so a flow that receives its head byte by byte
 * allocates nothing until the head is complete.
 */
public final class HeadParseResult {
    public enum Status {
        /** The head has not ended yet and is still within the limit: wait for more bytes. */
        NEED_MORE,
        /** The head ended and parsed: {@link #request()} is set. */
        COMPLETE,
        /** The head (or its header count) is over the configured limit: answer 431. */
        TOO_LARGE,
        /** The head is not a valid HTTP/1.x request head: answer 400. */
        MALFORMED
    }

    static final HeadParseResult NEED_MORE = new HeadParseResult(Status.NEED_MORE, null, null);

    private final Status status;
    private final ParsedRequest request;
    private final String reason;

    private HeadParseResult(Status status, ParsedRequest request, String reason) {
        this.status = status;
        this.request = request;
        this.reason = reason;
    }

    static HeadParseResult complete(ParsedRequest request) {
        return new HeadParseResult(Status.COMPLETE, Objects.requireNonNull(request), null);
    }

    static HeadParseResult tooLarge(String reason) {
        return new HeadParseResult(Status.TOO_LARGE, null, reason);
    }

    static HeadParseResult malformed(String reason) {
        return new HeadParseResult(Status.MALFORMED, null, reason);
    }

    public Status status() {
        return status;
    }

    public boolean isComplete() {
        return status == Status.COMPLETE;
    }

    /** The parsed request when {@link Status#COMPLETE}, else null. */
    public ParsedRequest request() {
        return request;
    }

    /**
     * Why the head was refused, as "what: measured (expected: ...)", when {@code TOO_LARGE} or
     * {@code MALFORMED}; null otherwise.
     */
    public String reason() {
        return reason;
    }

    /** The status code the director answers with: 431, 400, or 0 when it answers nothing. */
    public int responseStatus() {
        switch (status) {
            case TOO_LARGE:
                return 431;
            case MALFORMED:
                return 400;
            default:
                return 0;
        }
    }

    @Override
    public String toString() {
        switch (status) {
            case COMPLETE:
                return "COMPLETE " + request;
            case NEED_MORE:
                return "NEED_MORE";
            default:
                return status + " " + reason;
        }
    }
}
