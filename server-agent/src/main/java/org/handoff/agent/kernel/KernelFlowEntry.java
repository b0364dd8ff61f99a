package org.handoff.agent.kernel;

import org.handoff.protocol.transform.FlowTransform;

/**
 * Everything the kernel path keeps of one flow, as plain fields: what the engine hands to
 * {@link KernelFlows#add} when a flow becomes ready, and what {@link KernelFlows#forEachRecorded}
 * hands back to a restarted agent. Mutable and reused (one per engine): a flow event allocates
 * none.
 */
public final class KernelFlowEntry {
    // ---- the rewrite entries
    public FlowTransform transform;
    public long token;
    /** Egress start values: B's serverNext, the largest TSval the client got, the stack's highest ack, the last window. */
    public int serverNext;
    public int lastTsVal;
    public int serverAck;
    public int window;
    /** Ingress start value: the highest ack of a client segment given to the stack (B's numbering). */
    public int clientAck;
    /** The FINs the engine itself passed on before the entry (IngressFlowValue.closeWord), 0 for none. */
    public long clientClose;
    public long serverClose;

    // ---- the record (FlowRecord)
    public long handoffId;
    /** When the HANDOFF came, on the engine's clock (the record keeps it as wall-clock time). */
    public long startedNanos;
    public int directorAddress;
    public int directorPort;
    public int clientWindow;
    public int clientIsn;
    public int directorIsn;
    public int serverIsn;
    public int requestLength;
    public int directorTsVal;
    public int synAckTsVal;
    public int tsRecent;
    public int clientMss;
    public int stackMss;
    public int attempt;
    /** -1 without window scaling on A. */
    public int clientShift;
    public int stackShift;
    public int directorShift;
    public boolean sackPermitted;
    public boolean timestamps;
    public boolean timestampsOnB;
    public boolean scalingOnB;

    /** When read back: both rewrite entries were there (else the flow cannot go on in the kernel). */
    public boolean complete;
    /** When read back: the kernel's state words, valid when {@link #complete}. */
    public final KernelFlowState state = new KernelFlowState();
}
