package org.handoff.director.tcp;

/**
 * What the TCP termination layer tells the layer above it (request parsing, routing, hand-off).
 * Called on the worker thread; implementations must not block.
 *
 * @param <A> the listener's own per-flow state, kept on each flow ({@link TcpFlow#attachment()})
 *     so the listener finds it without a lookup or a cast
 */
public interface FlowListener<A> {
    /**
     * The flow's handshake completed here (its final ACK, or a valid cookie ACK): it is RECEIVING,
     * and this director terminates it. Other directors learn it from here (the cluster's STARTED).
     */
    default void onEstablished(TcpFlow<A> flow, long nowNanos) {}

    /** New in-order request bytes arrived on a RECEIVING flow. */
    void onRequestData(TcpFlow<A> flow, long nowNanos);

    /**
     * A handed-off flow's next request began (NEXT_REQUEST; there may be no in-order byte yet:
     * the listener starts the state's deadline, the terminator keeps none), and then each time
     * new in-order bytes of it arrived, readable through
     * {@link TcpFlow#requestBytes()} from the sequence number the listener armed
     * ({@link TcpTerminator#armNextRequest}); the packets are held until the listener releases
     * them ({@link TcpTerminator#releaseNextRequest}) or takes the connection back
     * ({@link TcpTerminator#resume}).
     */
    void onNextRequestData(TcpFlow<A> flow, long nowNanos);

    /**
     * A client packet for a FORWARDING flow (or one held during HANDING_OFF, released by
     * {@link TcpTerminator#handoffAccepted}); the bytes are valid only during the call.
     */
    void onForward(TcpFlow<A> flow, byte[] packet, int offset, int length, long nowNanos);

    /** The flow has been freed (the reason is counted); the listener drops its references. */
    void onClosed(TcpFlow<A> flow, CloseCause cause, long nowNanos);

    /**
     * A FORWARDING flow saw no packet for the idle timeout: true keeps it another timeout (its
     * packets move without the terminator seeing them: the kernel path tunnels its ACKs).
     */
    default boolean stillActive(TcpFlow<A> flow, long nowNanos) {
        return false;
    }

    /** Told of each flow's end, after the listener: trace replay reports each flow as it ends. */
    @FunctionalInterface
    interface EndObserver {
        void onFlowEnded(TcpFlow<?> flow, CloseCause cause, long nowNanos);
    }

    /** This listener, with {@code observer} told of each flow's end after it. */
    default FlowListener<A> thenTelling(EndObserver observer) {
        FlowListener<A> first = this;
        return new FlowListener<>() {
            @Override
            public void onEstablished(TcpFlow<A> flow, long nowNanos) {
                first.onEstablished(flow, nowNanos);
            }

            @Override
            public void onRequestData(TcpFlow<A> flow, long nowNanos) {
                first.onRequestData(flow, nowNanos);
            }

            @Override
            public void onNextRequestData(TcpFlow<A> flow, long nowNanos) {
                first.onNextRequestData(flow, nowNanos);
            }

            @Override
            public void onForward(TcpFlow<A> flow, byte[] packet, int offset, int length, long nowNanos) {
                first.onForward(flow, packet, offset, length, nowNanos);
            }

            @Override
            public void onClosed(TcpFlow<A> flow, CloseCause cause, long nowNanos) {
                first.onClosed(flow, cause, nowNanos);
                observer.onFlowEnded(flow, cause, nowNanos);
            }

            @Override
            public boolean stillActive(TcpFlow<A> flow, long nowNanos) {
                return first.stillActive(flow, nowNanos);
            }
        };
    }

    /** Why a flow ended on the director. */
    enum CloseCause {
        /** The director's answer and FIN were acknowledged. */
        ANSWERED,
        /** The client closed or reset before its request was complete. */
        CLIENT_CLOSED_EARLY,
        /** The client reset the connection. */
        CLIENT_RESET,
        /** The handshake did not complete in time. */
        HANDSHAKE_TIMEOUT,
        /** The request did not complete in time; the client got a RST. */
        REQUEST_TIMEOUT,
        /** Our answer was not acknowledged after every retransmission; the client got a RST. */
        RETRANSMITS_EXHAUSTED,
        /** A handed-off flow saw no packet for the idle timeout. */
        IDLE,
        /**
         * A new connection on a handed-off flow's client port (a SYN with a new sequence number
         * and a newer timestamp): the old connection had ended at the client.
         */
        PORT_REUSED,
        /** The agent reported the flow closed, or the hand-off layer released it. */
        RELEASED,
        /** The hand-off layer aborted the flow; the client got a RST. */
        ABORTED,
        /** The flow's agent stopped answering (its port is closed); the client got a RST. */
        AGENT_LOST
    }
}
