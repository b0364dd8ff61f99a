package org.handoff.agent.kernel;

import java.util.function.Consumer;
import org.handoff.protocol.transform.FlowTransform;

/**
 * The kernel data path as the flow engine sees it (docs/kernel-datapath.md, "Map entries"): a
 * ready flow's entries written, its state words read back, its entries deleted when it is
 * forgotten. Called per flow event, never per packet. {@link #NONE} is the user path: nothing is
 * written and every flow stays in user space. Not thread-safe: one per worker.
 */
public interface KernelFlows {
    /** The user path: no kernel entries. */
    KernelFlows NONE = new KernelFlows() {
        @Override
        public boolean add(KernelFlowEntry e) {
            return false;
        }

        @Override
        public boolean readState(FlowTransform f, KernelFlowState state) {
            return false;
        }

        @Override
        public void remove(FlowTransform f) {
        }

        @Override
        public void forEachRecorded(Consumer<KernelFlowEntry> action) {
        }
    };

    /**
     * Writes the flow's egress entry, ingress entry and record, each only if absent
     * ({@code BPF_NOEXIST}). False when any of them was refused (a full map, a stale entry of the
     * same key); then none is left and the flow stays in user space.
     */
    boolean add(KernelFlowEntry e);

    /**
     * Reads the flow's state words into {@code state}: false when its egress entry is gone (never
     * written, or evicted by the LRU: its packets reach the agent again, which goes on in user
     * space). The ingress side is read too when its entry is there ({@link KernelFlowState#ingress}).
     */
    boolean readState(FlowTransform f, KernelFlowState state);

    /** Deletes the flow's entries and record, whichever are there. */
    void remove(FlowTransform f);

    /**
     * Every flow a previous run recorded (restart), each read into one reused entry with its
     * transform rebuilt and {@link KernelFlowEntry#complete} saying whether both rewrite entries are
     * still there. Called at start only; the action must copy what it keeps.
     */
    void forEachRecorded(Consumer<KernelFlowEntry> action);
}
