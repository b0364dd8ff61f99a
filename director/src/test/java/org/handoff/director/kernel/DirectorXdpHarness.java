package org.handoff.director.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.handoff.bpf.BpfMap;
import org.handoff.bpf.BpfObject;
import org.handoff.bpf.BpfProgram;
import org.handoff.bpf.TestRunResult;
import org.handoff.protocol.wire.Bytes;

/**
 * director_xdp loaded from the bpf module's jar, with its maps and the mirrors, for tests that
 * run it with BPF_PROG_TEST_RUN. Loading attaches nothing.
 */
final class DirectorXdpHarness implements AutoCloseable {
    static final int XDP_DROP = 1;
    static final int XDP_PASS = 2;
    static final int XDP_TX = 3;
    static final int XDP_REDIRECT = 4;
    /** sizeof(struct xdp_md): data, data_end, data_meta, ingress_ifindex, rx_queue_index, egress_ifindex. */
    static final int XDP_MD_LENGTH = 24;
    static final int ETHERNET_HEADER_LENGTH = 14;

    final BpfObject object;
    final BpfProgram program;
    final BpfMap flows;
    final BpfMap counters;
    final BpfMap nextHops;
    final DirectorFlowKey key = DirectorFlowKey.allocate();
    final DirectorFlowEntry entry = DirectorFlowEntry.allocate();
    final ByteBuffer nextHopKey = ByteBuffer.allocateDirect(DirectorNextHop.KEY_LENGTH);
    final DirectorNextHop nextHop = DirectorNextHop.allocate();

    private DirectorXdpHarness(BpfObject object) {
        this.object = object;
        this.program = object.program(DirectorXdp.PROGRAM);
        this.flows = object.map(DirectorXdp.FLOWS_MAP);
        this.counters = object.map(DirectorXdp.COUNTERS_MAP);
        this.nextHops = object.map(DirectorXdp.NEXT_HOPS_MAP);
    }

    /** Writes how the program reaches {@code agentAddress}, as the director's {@code NextHopMap} would. */
    void putNextHop(int agentAddress, int ifindex, int mtu, byte[] destMac, byte[] sourceMac) {
        nextHop.set(ifindex, mtu, destMac, sourceMac);
        nextHops.update(DirectorNextHop.key(nextHopKey, agentAddress), nextHop.buffer());
    }

    /** Writes the next hop {@link NextHops} resolved. */
    void putNextHop(int agentAddress, NextHops.NextHop hop) {
        putNextHop(agentAddress, hop.ifindex(), hop.mtu(), hop.destMac(), hop.sourceMac());
    }

    boolean deleteNextHop(int agentAddress) {
        return nextHops.delete(DirectorNextHop.key(nextHopKey, agentAddress));
    }

    static DirectorXdpHarness load() {
        BpfObject object = BpfObject.openResource(DirectorXdp.OBJECT);
        try {
            object.load();
            return new DirectorXdpHarness(object);
        } catch (RuntimeException e) {
            object.close();
            throw e;
        }
    }

    /** Points {@link #key} at the flow of an Ethernet + IPv4 (20-byte header) + TCP frame. */
    DirectorFlowKey keyOf(byte[] frame) {
        int ip = ETHERNET_HEADER_LENGTH;
        return key.set(Bytes.i32(frame, ip + 12), Bytes.u16(frame, ip + 20), Bytes.i32(frame, ip + 16), Bytes.u16(frame, ip + 22));
    }

    /** Writes the flow entry of {@code frame}'s flow (counters 0). */
    void put(byte[] frame, int agentAddress, int agentPort, int sourceAddress, long token, int flags) {
        keyOf(frame);
        entry.clear().agentAddress(agentAddress).agentPort(agentPort).sourceAddress(sourceAddress).token(token).flags(flags);
        flows.update(key.buffer(), entry.buffer());
    }

    /** Reads {@code frame}'s flow entry into {@link #entry}; false when there is none. */
    boolean lookup(byte[] frame) {
        keyOf(frame);
        return flows.lookup(key.buffer(), entry.buffer());
    }

    boolean delete(byte[] frame) {
        keyOf(frame);
        return flows.delete(key.buffer());
    }

    /** Every counter, summed over the CPUs, by {@link DirectorCounter#index()}. */
    long[] counters() {
        long[] values = new long[DirectorCounter.count()];
        for (DirectorCounter c : DirectorCounter.values()) {
            values[c.index()] = counters.counter(c.index());
        }
        return values;
    }

    /** Runs {@code frame} once: XDP_PASS, the frame unchanged, {@code counter} + 1 and no other counter moved. */
    void assertPassed(byte[] frame, DirectorCounter counter) {
        long[] before = counters();
        TestRunResult result = run(frame, 0);
        long[] after = counters();
        assertEquals(XDP_PASS, result.returnValue(), counter + ": verdict");
        assertArrayEquals(frame, result.dataOut(), counter + ": the frame as it came");
        long[] expected = before.clone();
        expected[counter.index()]++;
        assertArrayEquals(expected, after, () -> counter + ": counters before " + Arrays.toString(before) + ", after " + Arrays.toString(after));
    }

    /** One run on {@code frame}; {@code ingressIfindex} 0 runs it without a context (the loopback device). */
    TestRunResult run(byte[] frame, int ingressIfindex) {
        byte[] ctx = ingressIfindex == 0 ? null : xdpMd(frame.length, ingressIfindex);
        return program.testRun(frame, ctx, frame.length + BpfProgram.TEST_RUN_OUTPUT_HEADROOM, 1);
    }

    /** The context BPF_PROG_TEST_RUN takes for XDP: the data spans the frame, the frame arrived on {@code ingressIfindex}. */
    static byte[] xdpMd(int frameLength, int ingressIfindex) {
        ByteBuffer md = ByteBuffer.allocate(XDP_MD_LENGTH).order(ByteOrder.nativeOrder());
        md.putInt(0, 0).putInt(4, frameLength).putInt(8, 0).putInt(12, ingressIfindex);
        return md.array();
    }

    @Override
    public void close() {
        object.close();
    }
}
