package org.handoff.protocol.seq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SeqNumberTest {
    @Test
    void addWrapsModulo2To32() {
        SeqNumber s = SeqNumber.of(0xffff_fff0L);
        assertEquals(0x10L, s.plus(0x20).unsigned());
        assertEquals(0xffff_fff0L, s.plus(0x20).plus(-0x20).unsigned());
    }

    @Test
    void comparisonAcrossWrap() {
        SeqNumber before = SeqNumber.of(0xffff_ff00L);
        SeqNumber after = SeqNumber.of(0x100L);
        assertTrue(before.isBefore(after));
        assertTrue(after.isAfter(before));
        assertEquals(0x200, after.minus(before));
        assertEquals(-0x200, before.minus(after));
        assertEquals(-1, before.compareTo(after));
    }

    @Test
    void rawFormsAgreeWithValueForm() {
        int a = 0xfffffffe;
        int b = 3;
        assertTrue(SeqNumber.lt(a, b));
        assertTrue(SeqNumber.le(a, a));
        assertTrue(SeqNumber.gt(b, a));
        assertTrue(SeqNumber.ge(b, b));
        assertEquals(5, SeqNumber.diff(b, a));
        assertEquals(b, SeqNumber.max(a, b));
        assertEquals(b, SeqNumber.max(b, a));
        assertEquals(1, SeqNumber.add(a, 3));
        assertEquals(a, SeqNumber.sub(1, 3));
    }

    @Test
    void windowTestSpansWrap() {
        assertTrue(SeqNumber.inWindow(2, 0xfffffff0, 0x10));
        assertTrue(SeqNumber.inWindow(0xfffffff0, 0xfffffff0, 0x10));
        assertFalse(SeqNumber.inWindow(0x10, 0xfffffff0, 0x10));
        assertFalse(SeqNumber.inWindow(0xffffffef, 0xfffffff0, 0x10));
    }

    @Test
    void halfSpaceIsTheLimitOfOrdering() {
        // RFC 1982: numbers exactly 2^31 apart are not ordered meaningfully; within 2^31-1 they are.
        assertTrue(SeqNumber.lt(0, 0x7fffffff));
        assertFalse(SeqNumber.lt(0, 0x80000001));
    }

    @Test
    void unsignedRangeChecked() {
        assertEquals(4294967295L, SeqNumber.of(4294967295L).unsigned());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SeqNumber.of(4294967296L));
        assertEquals("sequence number 4294967296 (expected: 0..4294967295)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> SeqNumber.of(-1L));
    }

    @Test
    void valueSemantics() {
        assertEquals(SeqNumber.of(7), SeqNumber.of(7L));
        assertEquals(SeqNumber.of(7).hashCode(), SeqNumber.of(7L).hashCode());
        assertEquals("4294967295", SeqNumber.of(-1).toString());
    }
}
