package org.handoff.cli.selfcheck;

import java.util.List;
import org.handoff.cli.selfcheck.Check.Result;
import org.handoff.protocol.checksum.InternetChecksum;
import org.handoff.protocol.seq.SeqNumber;

/** Checks of the handoff-protocol primitives against values fixed by the RFCs. */
public final class ProtocolChecks {
    private ProtocolChecks() {
    }

    public static List<Check> all() {
        return List.of(
                Check.of("checksum.rfc1071-example", ProtocolChecks::rfc1071Example),
                Check.of("seq.wrap-around", ProtocolChecks::seqWrapAround));
    }

    /**
     * RFC 1071 section 3's numerical example: the words 0001 f203 f4f5 f6f7 sum to ddf2, so the
     * checksum is its complement 220d; with the checksum appended the data verifies.
     */
    static Result rfc1071Example() {
        byte[] data = {0x00, 0x01, (byte) 0xf2, 0x03, (byte) 0xf4, (byte) 0xf5, (byte) 0xf6, (byte) 0xf7, 0, 0};
        int checksum = InternetChecksum.compute(data, 0, 8);
        if (checksum != 0x220d) {
            return Result.fail(String.format("checksum = 0x%04x (expected: 0x220d)", checksum));
        }
        data[8] = (byte) (checksum >>> 8);
        data[9] = (byte) checksum;
        if (!InternetChecksum.verify(data, 0, data.length, 0)) {
            return Result.fail("data with its checksum appended does not verify");
        }
        return Result.pass("0001 f203 f4f5 f6f7 -> 0x220d, verifies");
    }

    /** Sequence arithmetic and comparison across 2^32 (RFC 9293 3.4). */
    static Result seqWrapAround() {
        int nearTop = 0xfffffff0;
        int wrapped = SeqNumber.add(nearTop, 0x20);
        if (wrapped != 0x10) {
            return Result.fail(String.format("0xfffffff0 + 0x20 = 0x%08x (expected: 0x00000010)", wrapped));
        }
        if (!SeqNumber.lt(nearTop, wrapped) || SeqNumber.gt(nearTop, wrapped)) {
            return Result.fail("0xfffffff0 is not before 0x00000010");
        }
        if (SeqNumber.diff(wrapped, nearTop) != 0x20) {
            return Result.fail("0x00000010 - 0xfffffff0 = " + SeqNumber.diff(wrapped, nearTop) + " (expected: 32)");
        }
        if (!SeqNumber.inWindow(0x5, nearTop, wrapped) || SeqNumber.inWindow(wrapped, nearTop, wrapped)) {
            return Result.fail("window [0xfffffff0, 0x10) test wrong at 0x5 or 0x10");
        }
        SeqNumber top = SeqNumber.of(0xffffffffL);
        if (top.plus(1).unsigned() != 0 || !top.isBefore(top.plus(1))) {
            return Result.fail("SeqNumber 4294967295 + 1 = " + top.plus(1) + " (expected: 0, and after it)");
        }
        return Result.pass("0xfffffff0 + 0x20 = 0x10, ordered, windowed");
    }
}
