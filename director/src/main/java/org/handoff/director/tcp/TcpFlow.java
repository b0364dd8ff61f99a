package org.handoff.director.tcp;

import org.handoff.protocol.util.HeldPackets;
import org.handoff.protocol.util.TimerWheel;
import org.handoff.protocol.wire.Bytes;

/**
 * One client connection (connection A) as the director holds it: the handshake's agreed
 * options, the sequence state, the request bytes received so far, and what happens next. The
 * flow is its own timer node. Fields are package-private and read through accessors by the
 * hand-off layer, which keeps its own per-flow state on the flow ({@link #attach}).
 *
 * @param <A> the type of that state, the {@link FlowListener}'s
 */
public final class TcpFlow<A> extends TimerWheel.Node {
    /** Where a flow is in its life on the director. */
    public enum State {
        /** SYN answered, waiting for the final ACK (only for non-cookie flows). */
        SYN_RECEIVED,
        /** Established; receiving and acknowledging the request. */
        RECEIVING,
        /**
         * HANDOFF sent; the client's packets are held until the agent answers, and the request's
         * ACK may wait for it ({@code handoff.request-ack-delay}).
         */
        HANDING_OFF,
        /** Handed off: every client packet is forwarded to the agent, none answered. */
        FORWARDING,
        /**
         * Handed off, and the client has begun its next request: its packets are held while the
         * director reads the request's head and routes it, and, when the request goes to another
         * origin, while the agent hands the connection back (docs/architecture.md, "Hand-back").
         */
        NEXT_REQUEST,
        /** The director answers the client itself (400, 431, 503, or a bare FIN) and closes. */
        ANSWERING,
        /** Our FIN is acknowledged; lingering briefly to acknowledge the client's FIN. */
        CLOSING,
        /**
         * The flow's agent is gone: the client got a RST and, for a short linger, every packet it
         * still sends gets one at exactly the sequence number it expects.
         */
        RESETTING
    }

    final long key;
    final int clientAddress;
    final int clientPort;
    final int vipAddress;
    final int vipPort;
    final int clientIsn;
    final int directorIsn;
    final long createdNanos;
    State state;

    /** Options agreed in the handshake. Shifts are -1 when window scaling is off. */
    int mss;
    /** The MSS option of our SYN-ACK (tcp.mss when the SYN came), sent again with it. */
    int offeredMss;
    /** The MSS the client offered (536 when it offered none): the agent's SYN repeats it. */
    int clientMss;
    int clientShift = -1;
    int directorShift = -1;
    boolean sackPermitted;
    boolean timestamps;
    /** The client's latest TSval (TS.Recent), echoed in our TSecr. */
    int tsRecent;
    /** Added to the millisecond clock to make this flow's TSvals (per-flow, as Linux). */
    int tsOffset;
    /** The client's last raw window field. */
    int clientWindow;

    /** SND.NXT and SND.UNA of the director on connection A. */
    int sndNxt;
    int sndUna;
    ReceiveBuffer received;

    /** The director's own answer (response bytes, then FIN), kept until acknowledged. */
    byte[] answer;
    int retransmits;
    /** Why the flow will be freed once the answer is acknowledged. */
    FlowListener.CloseCause closeCause;
    boolean clientFinReceived;
    long lastSeenNanos;
    boolean cookie;
    /** The handshake completed here (final ACK or cookie ACK); false for a flow adopted or still in SYN_RECEIVED. */
    boolean established;

    /** Client packets held while HANDING_OFF (limits.max-buffered-bytes-per-flow); null until the first. */
    HeldPackets.Queue held;
    /**
     * HANDING_OFF with the ACK of the request's last segment not sent yet: it goes at the flow's
     * timer (handoff.request-ack-delay) unless the hand-off is accepted first.
     */
    boolean requestAckDeferred;
    /** A client ACK above our SND.NXT was seen: the origin is already sending to the client. */
    boolean originProvenSending;
    /**
     * The acknowledgement number of the client's latest forwarded packet: the client's RCV.NXT
     * as far as the director knows, where a RST must sit to be accepted (RFC 5961 3.2).
     */
    int lastClientAck;

    /**
     * Where the next request begins on a FORWARDING flow: the end of the current one, when its
     * framing told the listener (armed); the client's bytes from there on are held, not
     * forwarded, until the next request is routed (state NEXT_REQUEST).
     */
    int nextRequestSeq;
    boolean nextRequestArmed;
    /** The ack field of the client segment that carried the current request's last byte. */
    int ackAtRequestEnd;
    /** The ack field of the first segment that carried the next request. */
    int nextRequestAck;

    /** The listener's per-flow state, or null. */
    private A attachment;

    TcpFlow(long key, int clientAddress, int clientPort, int vipAddress, int vipPort, int clientIsn, int directorIsn,
            long nowNanos) {
        this.key = key;
        this.clientAddress = clientAddress;
        this.clientPort = clientPort;
        this.vipAddress = vipAddress;
        this.vipPort = vipPort;
        this.clientIsn = clientIsn;
        this.directorIsn = directorIsn;
        this.createdNanos = nowNanos;
        this.lastSeenNanos = nowNanos;
    }

    public State state() {
        return state;
    }

    public long key() {
        return key;
    }

    public int clientAddress() {
        return clientAddress;
    }

    public int clientPort() {
        return clientPort;
    }

    public int vipAddress() {
        return vipAddress;
    }

    public int vipPort() {
        return vipPort;
    }

    public int clientIsn() {
        return clientIsn;
    }

    public int directorIsn() {
        return directorIsn;
    }

    /** RCV.NXT: the next byte expected from the client. */
    public int receiveNext() {
        return received.nextSeq();
    }

    /** SND.NXT: the next sequence number the director would send. */
    public int sendNext() {
        return sndNxt;
    }

    /** The MSS the director sends with: the smaller of the client's and its own. */
    public int mss() {
        return mss;
    }

    public int clientMss() {
        return clientMss;
    }

    public int clientShift() {
        return clientShift;
    }

    public int directorShift() {
        return directorShift;
    }

    public boolean sackPermitted() {
        return sackPermitted;
    }

    public boolean timestamps() {
        return timestamps;
    }

    public int tsRecent() {
        return tsRecent;
    }

    public int clientWindow() {
        return clientWindow;
    }

    /** Whether this director completed the flow's handshake (it is announced to the cluster from then on). */
    public boolean established() {
        return established;
    }

    public boolean cookie() {
        return cookie;
    }

    public boolean originProvenSending() {
        return originProvenSending;
    }

    /** Whether the ACK of the request's last segment waits (HANDING_OFF, handoff.request-ack-delay). */
    public boolean requestAckDeferred() {
        return requestAckDeferred;
    }

    public long createdNanos() {
        return createdNanos;
    }

    /** The sequence number of the request's first byte: after the SYN, or where a later request began. */
    public int requestStart() {
        return received.base();
    }

    /** The ack field of the client segment that carried the current request's last byte. */
    public int ackAtRequestEnd() {
        return ackAtRequestEnd;
    }

    /** The ack field of the first segment of the next request (NEXT_REQUEST). */
    public int nextRequestAck() {
        return nextRequestAck;
    }

    /** The client's ack field as last seen: its RCV.NXT as far as the director knows. */
    public int lastClientAck() {
        return lastClientAck;
    }

    /**
     * The request bytes received in order so far, from {@link #requestStart()}:
     * {@code requestBytes()[0 .. requestLength())}. Valid until the hand-off is accepted (then
     * the agent has them and the memory is given back), and again while a next request is read
     * (NEXT_REQUEST, RECEIVING after a hand-back).
     */
    public byte[] requestBytes() {
        return received.array();
    }

    public int requestLength() {
        return received.contiguous();
    }

    /** The listener's per-flow state, or null when it has attached none. */
    public A attachment() {
        return attachment;
    }

    /** Keeps the listener's per-flow state on the flow (null: none). */
    public void attach(A attachment) {
        this.attachment = attachment;
    }

    /** The director's TSval on this flow at {@code nowNanos}. */
    public int tsVal(long nowNanos) {
        return (int) (nowNanos / 1_000_000L) + tsOffset;
    }

    @Override
    public String toString() {
        return "flow " + Bytes.ipv4ToString(clientAddress) + ":" + clientPort + " > " + Bytes.ipv4ToString(vipAddress)
                + ":" + vipPort + " " + state;
    }
}
