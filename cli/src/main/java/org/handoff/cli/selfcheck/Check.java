package org.handoff.cli.selfcheck;

import java.util.Objects;
import java.util.concurrent.Callable;

/**
 * One self-check: a named, quick, side-effect-free test of a piece of the protocol code that
 * {@code handoff selfcheck} runs on the installed jars.
 *
 * <p>To add checks, write a class with a {@code static List<Check> all()} (see
 * {@link ProtocolChecks}) and list it in {@link SelfChecks#all()}. A check returns
 * {@link Result#fail} with the measured value against the expected one; an exception it throws
 * (or a {@link LinkageError} from a missing class) also counts as a failure.
 */
public interface Check {
    /** A short, stable name, {@code area.what}: for example {@code checksum.rfc1071-example}. */
    String name();

    Result run() throws Exception;

    /** The outcome; {@code detail} is one short line for the table. */
    record Result(boolean passed, String detail) {
        public Result {
            Objects.requireNonNull(detail, "detail");
        }

        public static Result pass(String detail) {
            return new Result(true, detail);
        }

        public static Result fail(String detail) {
            return new Result(false, detail);
        }

        /** PASS when {@code actual} equals {@code expected}, else FAIL saying both. */
        public static Result expect(String what, Object expected, Object actual) {
            return Objects.equals(expected, actual)
                    ? pass(what + " = " + actual)
                    : fail(what + " = " + actual + " (expected: " + expected + ")");
        }
    }

    static Check of(String name, Callable<Result> body) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(body, "body");
        return new Check() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public Result run() throws Exception {
                return body.call();
            }

            @Override
            public String toString() {
                return "Check[" + name + "]";
            }
        };
    }
}
