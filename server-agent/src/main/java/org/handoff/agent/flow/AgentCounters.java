package org.handoff.agent.flow;

import org.handoff.protocol.message.AbortReason;
import org.handoff.protocol.message.CloseReason;
import org.handoff.protocol.message.DecodeResult;
import org.handoff.protocol.message.NackReason;
import org.handoff.protocol.message.RecallNackReason;
import org.handoff.protocol.transform.RewriteResult;
import org.handoff.protocol.wire.WireError;

/**
 * Counters of one worker's flow engine. Plain fields written by the worker thread only; the
 * metrics exporter reads them from another thread (a stale read is harmless, a lock or an
 * atomic per packet is not).
 */
public final class AgentCounters {
    /** Why a packet or datagram was dropped. */
    public enum Drop {
        /** A stack packet that is not IPv4 (the link skips most; this is what got through). */
        NOT_IPV4,
        /** Not TCP. */
        NOT_TCP,
        /** Failed a length or option check. */
        MALFORMED,
        /** An IP fragment: ports and options cannot be rewritten. */
        FRAGMENT,
        /** No flow for the packet (a stack packet is then answered with a RST into the stack). */
        NO_FLOW,
        /** A FORWARD packet whose addresses or ports are not its flow's. */
        WRONG_FLOW,
        /** A client packet arrived before connection B was ready and the flow's buffer was full. */
        BUFFER_FULL,
        /** A worker's input queue was full (counted by the reader threads). */
        QUEUE_FULL,
        /** The direct-return egress refused the packet. */
        EGRESS_FAILED,
        /** Writing into the local link failed. */
        LINK_WRITE_FAILED,
        /** An authentic message of a type the agent does not receive (HANDOFF_ACK, CLOSED, ...). */
        UNEXPECTED_MESSAGE,
        /** A stack segment that makes no sense in the flow's state (e.g. data before the SYN-ACK). */
        UNEXPECTED_SEGMENT,
        /** A control reply could not be sent. */
        CONTROL_SEND_FAILED,
        /** A stack frame's virtio-net header failed its checks ({@link #vnetHeaderErrors} says which). */
        BAD_VNET_HEADER;

        /** The drop a rewriter refusal counts as. */
        public static Drop of(RewriteResult r) {
            return switch (r) {
                case NOT_IPV4 -> NOT_IPV4;
                case NOT_TCP -> NOT_TCP;
                case FRAGMENT -> FRAGMENT;
                default -> MALFORMED;
            };
        }
    }

    /** Stack segments the client must not see. */
    public enum Swallow {
        /** Connection B's SYN-ACK (and its retransmissions). */
        SYN_ACK,
        /**
         * Pure ACKs of part of the request: the director acknowledged those bytes already. The one
         * that completes it goes to the client ({@link #requestAcksToClient}).
         */
        REQUEST_ACK,
        /**
         * The stack's RST after both FINs were acknowledged: its answer to a late duplicate of a
         * client segment (one that took a slower way, reordered behind the close). The client's
         * connection is over; the RST would only end its TIME-WAIT early.
         */
        RST_AFTER_CLOSE
    }

    /** What a RECALL got (docs/agent.md, "Hand-back"). */
    public enum Recall {
        /** Idle: HANDBACK sent, connection B reset, the flow forgotten. */
        HANDED_BACK,
        /** RECALL_NACK RESPONSE_PENDING: the previous response is not complete or not acknowledged. */
        RESPONSE_PENDING,
        /** RECALL_NACK UNKNOWN_FLOW: no such flow here. */
        UNKNOWN_FLOW,
        /** RECALL_NACK CLOSING: a FIN was seen either way. */
        CLOSING,
        /** RECALL_NACK BAD_STATE: the RECALL names another hand-off of the flow. */
        BAD_STATE,
        /** A retransmitted RECALL, answered again with the bytes of its first answer. */
        DUPLICATE,
        /**
         * A retransmitted RECALL whose answer was forgotten early ({@link #answersEvicted}): not
         * answered, since deciding again could contradict the first answer.
         */
        DUPLICATE_UNANSWERED;

        /** The result a RECALL_NACK counts as (the agent never sends INTERNAL). */
        public static Recall of(RecallNackReason r) {
            return switch (r) {
                case RESPONSE_PENDING -> RESPONSE_PENDING;
                case UNKNOWN_FLOW -> UNKNOWN_FLOW;
                case CLOSING -> CLOSING;
                case BAD_STATE -> BAD_STATE;
                case INTERNAL -> throw new IllegalArgumentException("RECALL_NACK INTERNAL (expected: a reason the agent sends)");
            };
        }
    }

    /**
     * Why a well-formed TUNNEL was dropped in user space (docs/handoff-protocol.md 3.11, receiver
     * steps 3 and 4); the kernel ingress program counts the same reasons in its own counters.
     */
    public enum TunnelDrop {
        /** No flow for the inner packet's client address and port. */
        NO_FLOW,
        /** A flow for the client endpoint, but under another VIP address or port. */
        WRONG_FLOW,
        /** The token is not the flow's: a forgery, or a packet of an earlier hand-off of the endpoint. */
        TOKEN
    }

    /** The message an answer kept for retransmissions answers (docs/agent.md, "Hand-back"). */
    public enum Answered {
        /** HANDOFF_NACKs, by HANDOFF id. */
        HANDOFF,
        /** HANDBACKs and RECALL_NACKs, by RECALL id. */
        RECALL
    }

    public long handoffsReceived;
    public long handoffsAccepted;
    public final long[] handoffsRefused = new long[NackReason.values().length];
    /** HANDOFFs for a held client endpoint with a new ISN: the old flow was ended for the new one. */
    public long endpointsReused;
    /** DUPLICATE HANDOFFs answered again from held state. */
    public long handoffsReanswered;
    /** DUPLICATE HANDOFFs with no answer yet (connection B still opening) or none remembered. */
    public long handoffsDuplicateUnanswered;
    /** Datagrams by decode result (ACCEPTED included). */
    public final long[] decodeResults = new long[DecodeResult.values().length];
    public final long[] drops = new long[Drop.values().length];
    public final long[] swallowed = new long[Swallow.values().length];
    public final long[] flowsClosed = new long[CloseReason.values().length];
    public final long[] aborts = new long[AbortReason.values().length];
    /** Stack frames dropped for their virtio-net header, by the check that failed. */
    public final long[] vnetHeaderErrors = new long[WireError.values().length];
    public long packetsServerToClient;
    /** Of {@link #packetsServerToClient}: TSO super-segments (offloads on the link). */
    public long gsoFramesServerToClient;
    /** The wire segments those super-segments carried (cut by the kernel or the agent). */
    public long gsoSegmentsServerToClient;
    public long bytesServerToClient;
    public long packetsClientToServer;
    public long bytesClientToServer;
    /** TUNNEL packets whose token matched their flow, handed on as client packets (user space only). */
    public long tunnelPackets;
    /** TUNNEL packets dropped in user space, by reason. */
    public final long[] tunnelDrops = new long[TunnelDrop.values().length];
    /** SYNs injected, retransmissions included. */
    public long synsSent;
    /**
     * SYN-ACKs handled in the worker cycle that wrote their SYN: the stack answered within the
     * write, and the request went in without waiting for the link's next wake-up.
     */
    public long synAcksInSynCycle;
    /**
     * The stack's pure ACKs that completed the request, passed to the client: the director may
     * have left the request unacknowledged for the agent to answer (handoff.request-ack-delay).
     */
    public long requestAcksToClient;
    /** RSTs the agent injected into the local stack (abort, idle, unknown flow, refused hand-off). */
    public long resetsIntoStack;
    public long closedSent;
    /** Directors' liveness probes (HEARTBEAT) answered with this agent's own. */
    public long probesAnswered;
    /** Client packets held until connection B was ready. */
    public long packetsBuffered;
    /** Their bytes (whole IP packets, as the director forwarded them). */
    public long bytesBuffered;
    /** Records whose processing threw (a bug): counted, logged, the worker goes on. */
    public long internalErrors;
    /** Connection B's options differ from the client's (e.g. the stack refused window scaling). */
    public long optionMismatches;
    /** RECALLs by what they got. */
    public final long[] recalls = new long[Recall.values().length];
    /**
     * Answers forgotten before their time because the worker's memory of them was full, by the
     * message they answer: a retransmission of that message then gets no answer.
     */
    public final long[] answersEvicted = new long[Answered.values().length];

    // The kernel data path (docs/kernel-datapath.md), per flow event.
    /** Flows whose kernel entries were written when they became ready. */
    public long kernelFlowsAdded;
    /** Ready flows whose entries a map refused (full): they stay in user space. */
    public long kernelFlowsRefused;
    /** Flows whose kernel entries were deleted when they were forgotten. */
    public long kernelFlowsRemoved;
    /** Flows taken over from a previous run's maps at start. */
    public long kernelFlowsAdopted;
    /** Looks at a kernel flow's state that found no egress entry (the LRU evicted it: the flow goes on in user space). */
    public long kernelEntriesMissing;
    /** The programs' close events (both FINs acknowledged in the kernel) that ended a flow. */
    public long kernelCloseEvents;
    /** Close events for no flow of this worker, or for one whose state words did not show the close (counted, ignored). */
    public long kernelCloseEventsUnmatched;

    public long refused(NackReason r) {
        return handoffsRefused[r.ordinal()];
    }

    public long decoded(DecodeResult r) {
        return decodeResults[r.ordinal()];
    }

    public long dropped(Drop d) {
        return drops[d.ordinal()];
    }

    public long swallowed(Swallow s) {
        return swallowed[s.ordinal()];
    }

    public long closed(CloseReason r) {
        return flowsClosed[r.ordinal()];
    }

    public long aborted(AbortReason r) {
        return aborts[r.ordinal()];
    }

    public long recalled(Recall r) {
        return recalls[r.ordinal()];
    }

    public long evicted(Answered a) {
        return answersEvicted[a.ordinal()];
    }

    public long tunnelDropped(TunnelDrop d) {
        return tunnelDrops[d.ordinal()];
    }
}
