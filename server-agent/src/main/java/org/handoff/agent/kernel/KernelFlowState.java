package org.handoff.agent.kernel;

/**
 * A flow's state words as the kernel keeps them (bpf/README.md, "State words"), read into plain
 * fields: the egress entry's {@code sent} and {@code acked}, the ingress entry's {@code delivered}.
 * B's numbering throughout; TSvals on the director's clock. Reused per engine.
 */
public final class KernelFlowState {
    /** The highest seq + payload the egress program sent. */
    public int serverNext;
    /** The largest TSval it wrote. */
    public int lastTsVal;
    /** The highest ack of a segment it sent with ACK. */
    public int serverAck;
    /** The window field of the last segment it sent, as the client got it. */
    public int window;
    /** Every TCP flag it sent, or-ed. */
    public int flagsSeen;
    /** The ingress entry was there. */
    public boolean ingress;
    /** The highest client ack the ingress program delivered (or the agent's start value). */
    public int clientAck;
    /** Segments the ingress program delivered, mod 2^32. */
    public int packetsDelivered;
    /** The client's FIN as the programs saw it: {@code IngressFlowValue.CLOSE_*} and its end. */
    public long clientClose;
    /** The server's FIN as the programs saw it. */
    public long serverClose;

    void egress(EgressFlowValue v) {
        serverNext = v.serverNext();
        lastTsVal = v.lastTsVal();
        serverAck = v.serverAck();
        window = v.window();
        flagsSeen = v.tcpFlagsSeen();
    }

    void ingress(IngressFlowValue v) {
        ingress = true;
        clientAck = v.clientAck();
        packetsDelivered = v.packetsDelivered();
        clientClose = v.clientClose();
        serverClose = v.serverClose();
    }

    /** Whether a close word holds a FIN; its end is the word's low 32 bits. */
    public static boolean fin(long closeWord) {
        return (closeWord & IngressFlowValue.CLOSE_FIN) != 0;
    }

    /** Whether a close word's FIN was acknowledged. */
    public static boolean finAcked(long closeWord) {
        return (closeWord & IngressFlowValue.CLOSE_ACKED) != 0;
    }

    @Override
    public String toString() {
        return "kernel state[next=" + Integer.toUnsignedString(serverNext) + " tsval=" + Integer.toUnsignedString(lastTsVal)
                + " ack=" + Integer.toUnsignedString(serverAck) + " window=" + window + " seen=0x" + Integer.toHexString(flagsSeen)
                + (ingress ? " client_ack=" + Integer.toUnsignedString(clientAck) + " delivered="
                + Integer.toUnsignedString(packetsDelivered) + " client_close=0x" + Long.toHexString(clientClose) + " server_close=0x"
                + Long.toHexString(serverClose) : " no ingress entry") + "]";
    }
}
