package org.handoff.bpf;

import java.util.Arrays;

/**
 * What one {@link BpfProgram#testRun} returned.
 *
 * @param returnValue   the program's return value (a {@code TC_ACT_*} or {@code XDP_*} verdict)
 * @param dataOut       the packet as the program left it
 * @param ctxOut        the context as the program left it, or null when none was given
 * @param meanNanos     the kernel's mean run time per repetition, in nanoseconds
 */
public record TestRunResult(int returnValue, byte[] dataOut, byte[] ctxOut, int meanNanos) {
    @Override
    public boolean equals(Object o) {
        return o instanceof TestRunResult r && r.returnValue == returnValue && Arrays.equals(r.dataOut, dataOut)
                && Arrays.equals(r.ctxOut, ctxOut) && r.meanNanos == meanNanos;
    }

    @Override
    public int hashCode() {
        return 31 * (31 * returnValue + Arrays.hashCode(dataOut)) + Arrays.hashCode(ctxOut);
    }

    @Override
    public String toString() {
        return "TestRunResult[returnValue=" + returnValue + ", dataOut=" + dataOut.length + " bytes"
                + (ctxOut == null ? "" : ", ctxOut=" + ctxOut.length + " bytes") + ", meanNanos=" + meanNanos + "]";
    }
}
