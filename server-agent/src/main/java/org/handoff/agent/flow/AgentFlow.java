package org.handoff.agent.flow;

import org.handoff.protocol.message.CloseReason;
import org.handoff.protocol.message.FlowIdentity;
import org.handoff.protocol.seq.SeqNumber;
import org.handoff.protocol.transform.FlowTransform;
import org.handoff.protocol.util.HeldPackets;
import org.handoff.protocol.util.TimerWheel;
import org.handoff.protocol.wire.Bytes;

/**
 * One handed-off connection on the agent: the HANDOFF's state set A, connection B's state once
 * the local stack answered, and the close tracking. Owned by one worker's {@link FlowEngine};
 * it is also its own timer node. Read-only accessors are public for tests and diagnostics.
 */
public final class AgentFlow extends TimerWheel.Node {
    /** Where a flow is in its life. */
    public enum State {
        /** The client-looking SYN is in the stack; waiting for its SYN-ACK. */
        SYN_SENT,
        /** SYN-ACK seen, handshake completed; the request is being delivered and acknowledged. */
        DELIVERING,
        /** The stack accepted the request; HANDOFF_ACK sent; packets are rewritten both ways. */
        ESTABLISHED,
        /** Both FINs sent and acknowledged; still rewriting retransmissions until freed. */
        LINGER
    }

    final long key;
    final int clientAddress;
    final int clientPort;
    final int vipAddress;
    final int vipPort;
    final int serverPort;
    final FlowIdentity identity;
    final int directorAddress;
    final int directorPort;
    final long handoffId;
    final int attempt;
    /**
     * The flow token of the HANDOFF accepted (never 0): a TUNNEL packet for this flow must carry
     * it, in user space here and in the kernel's ingress map alike (docs/handoff-protocol.md 3.11).
     */
    final long flowToken;
    /**
     * The client sequence number connection B starts from: the client's ISN on a connection's
     * first hand-off, the byte before the next request after a hand-back (docs/handoff-protocol.md 3.1).
     */
    final int clientIsn;
    /** The director's SND.NXT - 1: the server's first byte (si + 1) maps to the director's SND.NXT. */
    final int directorIsn;
    final int requestEnd;
    final byte[] request;
    final int clientWindow;
    final int clientMss;
    /** Client's window shift, or -1 without window scaling on connection A. */
    final int clientShift;
    /** Director's window shift, or 0 without window scaling. */
    final int directorShift;
    final boolean sackPermitted;
    final boolean timestamps;
    final int tsRecent;
    final int directorTsVal;
    final long startedNanos;

    State state = State.SYN_SENT;
    long connectDeadlineNanos;
    int synSends;
    /** When the last SYN went into the stack: the worker cycle's time (a SYN-ACK in the same cycle is counted). */
    long lastSynNanos;
    int deliveryRetransmits;

    int serverIsn;
    /** The stack's window shift on connection B (0 when B does not scale). */
    int stackShift;
    boolean scalingOnB;
    boolean timestampsOnB;
    int stackMss;
    int synAckTsVal;
    FlowTransform transform;
    /**
     * Highest acknowledgment from the stack: its RCV.NXT as far as we know (the hand-back idle
     * rule's {@code serverAcked}).
     */
    int stackAck;
    long stackWindowBytes;
    int nextRequestSeq;

    /** The HANDOFF_ACK datagram once sent, for duplicates. */
    byte[] answer;

    /** Client packets held until connection B is ready; null until the first one. */
    HeldPackets.Queue held;

    /** Highest client payload end (sequence space shared by A and B). */
    int clientEnd;
    /** Highest server payload end, in B's space. */
    int serverEnd;
    boolean clientFin;
    int clientFinEnd;
    boolean clientFinAcked;
    boolean serverFin;
    int serverFinEnd;
    boolean serverFinAcked;

    // The hand-back idle rule's counters (docs/agent.md, "Hand-back"), kept per packet.
    /** Highest sequence number plus payload (plus SYN/FIN) of the stack's segments: B's numbering. */
    int serverNext;
    /** {@link #serverNext} when client payload was last given to the stack (the request included). */
    int serverNextAtLastClientData;
    /**
     * The largest TSval (mod 2^32) the client was sent, on the director's clock: the HANDBACK's
     * Last TSval. The director's own TSval at hand-off until the stack sends one (the client saw
     * that one from the director). The largest, not the last: a segment the stack stamped before
     * its SYN-ACK leaves at the PAWS floor (the director's TSval), below TSvals the client may
     * already have.
     */
    int lastTsValToClient;
    /** The window field of the stack's last segment as the client got it (rescaled for wd). */
    int windowToClient;

    long lastActivityNanos;
    long closedAtNanos;

    // The kernel data path (docs/kernel-datapath.md): set while the flow has entries in the maps.
    /** Its entries were written: the server's packets (but SYN and RST) no longer reach the agent. */
    boolean inKernel;
    /**
     * A FIN of the flow went through the engine after its entries were written (a coalesced
     * datagram the ingress program passed up): the programs do not know that FIN, so they will
     * not report the close, and the engine reads the state words until it sees the close itself.
     */
    boolean finPastKernel;
    /**
     * The highest ack (B's numbering) of a client segment the engine itself gave the stack while
     * the flow was in the kernel: the client's ACK of a server FIN only the kernel saw may come
     * this way (a FORWARD), and the state words never show it.
     */
    int clientAckPastKernel;
    /** The state words at the last look, to tell whether the kernel moved packets since (idle timer). */
    int kernelSeenNext;
    int kernelSeenAck;
    int kernelSeenWindow;
    int kernelSeenTsVal;
    int kernelSeenDelivered;
    CloseReason closeReason;

    AgentFlow(long key, FlowIdentity identity, int clientAddress, int clientPort, int vipAddress, int vipPort, int serverPort,
              int directorAddress, int directorPort, long handoffId, int attempt, long flowToken, int clientIsn, int directorIsn,
              byte[] request, int clientWindow, int clientMss, int clientShift, int directorShift, boolean sackPermitted,
              boolean timestamps, int tsRecent, int directorTsVal, long nowNanos) {
        this.key = key;
        this.identity = identity;
        this.clientAddress = clientAddress;
        this.clientPort = clientPort;
        this.vipAddress = vipAddress;
        this.vipPort = vipPort;
        this.serverPort = serverPort;
        this.directorAddress = directorAddress;
        this.directorPort = directorPort;
        this.handoffId = handoffId;
        this.attempt = attempt;
        this.flowToken = flowToken;
        this.clientIsn = clientIsn;
        this.directorIsn = directorIsn;
        this.request = request;
        this.requestEnd = SeqNumber.add(clientIsn, 1 + request.length);
        this.clientWindow = clientWindow;
        this.clientMss = clientMss;
        this.clientShift = clientShift;
        this.directorShift = directorShift;
        this.sackPermitted = sackPermitted;
        this.timestamps = timestamps;
        this.tsRecent = tsRecent;
        this.directorTsVal = directorTsVal;
        this.startedNanos = nowNanos;
        this.lastActivityNanos = nowNanos;
        this.clientEnd = requestEnd;
        this.lastTsValToClient = directorTsVal;
    }

    /**
     * The hand-back idle rule (docs/handoff-protocol.md 3.8), in B's numbering: the stack has
     * every client byte before the new request, has sent something since the last client payload
     * (a response), and the client has acknowledged all of it; no client packet waits here. FINs
     * are the caller's to check first.
     *
     * @param requestStart the first client byte the director holds (A's and B's numbering)
     * @param clientAck    the ack field of the client's latest segment, A's numbering
     */
    boolean idleFor(int requestStart, int clientAck) {
        return state == State.ESTABLISHED && held == null
                && SeqNumber.ge(stackAck, requestStart)
                && serverNext != serverNextAtLastClientData
                && SeqNumber.ge(SeqNumber.sub(clientAck, transform.seqOffset()), serverNext);
    }

    /** Notes the kernel's state words as last looked at (the idle timer compares the next look with them). */
    void kernelSeen(int next, int tsVal, int ack, int window, int delivered) {
        kernelSeenNext = next;
        kernelSeenTsVal = tsVal;
        kernelSeenAck = ack;
        kernelSeenWindow = window;
        kernelSeenDelivered = delivered;
    }

    public State state() {
        return state;
    }

    /** Whether the flow's entries are in the kernel's maps (its server packets bypass the agent). */
    public boolean inKernel() {
        return inKernel;
    }

    /** The largest TSval the client was sent, on the director's clock (a HANDBACK's Last TSval). */
    public int lastTsValToClient() {
        return lastTsValToClient;
    }

    /** The window field of the last segment the client got. */
    public int windowToClient() {
        return windowToClient;
    }

    public FlowIdentity identity() {
        return identity;
    }

    public long handoffId() {
        return handoffId;
    }

    /** The token the flow's TUNNEL packets carry; from the accepted HANDOFF. Kept out of {@link #toString()}. */
    public long flowToken() {
        return flowToken;
    }

    /** The transform, once the stack's SYN-ACK has been seen; else null. */
    public FlowTransform transform() {
        return transform;
    }

    public int serverIsn() {
        return serverIsn;
    }

    public int serverPort() {
        return serverPort;
    }

    /** B's numbering: the stack's next sequence number (highest seq + payload + SYN/FIN seen). */
    public int serverNext() {
        return serverNext;
    }

    /** B's numbering: {@link #serverNext()} when client payload was last injected. */
    public int serverNextAtLastClientData() {
        return serverNextAtLastClientData;
    }

    /** B's numbering: the stack's highest acknowledgment. */
    public int serverAcked() {
        return stackAck;
    }

    /** Payload bytes from the client, request included (highest sequence seen, not a sum). */
    public long bytesClientToServer() {
        return SeqNumber.diff(clientEnd, SeqNumber.add(clientIsn, 1)) & 0xffffffffL;
    }

    /** Payload bytes from the server (highest sequence seen). */
    public long bytesServerToClient() {
        return transform == null ? 0 : SeqNumber.diff(serverEnd, SeqNumber.add(serverIsn, 1)) & 0xffffffffL;
    }

    @Override
    public String toString() {
        return "flow " + Bytes.ipv4ToString(clientAddress) + ":" + clientPort + " vip " + Bytes.ipv4ToString(vipAddress) + ":"
                + vipPort + " -> :" + serverPort + " " + state + " id=0x" + Long.toHexString(handoffId);
    }
}
