package org.handoff.agent.kernel;

import java.nio.ByteBuffer;
import java.util.function.Consumer;

/**
 * The three calls {@link MapKernelFlows} makes on one of the agent's maps: a {@code BpfMap} in the
 * process ({@link BpfFlowMap}), a hash map in memory in tests. Keys and values are read and written
 * at their buffer's absolute offsets; no call throws for a full map or a missing key.
 */
public interface FlowMap {
    /** Creates the entry ({@code BPF_NOEXIST}); false when it exists or the map refuses (full). */
    boolean insert(ByteBuffer key, ByteBuffer value);

    /** Reads the entry into {@code value}; false when there is none. */
    boolean lookup(ByteBuffer key, ByteBuffer value);

    /** Deletes the entry; false when there was none. */
    boolean delete(ByteBuffer key);

    /** Every key now in the map, each in a buffer of its own (at start only). */
    void forEachKey(Consumer<ByteBuffer> action);
}
