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
    }

    @Override
    public String toString() {
        return "kernel state[next=" + Integer.toUnsignedString(serverNext) + " tsval=" + Integer.toUnsignedString(lastTsVal)
                + " ack=" + Integer.toUnsignedString(serverAck) + " window=" + window + " seen=0x" + Integer.toHexString(flagsSeen)
                + (ingress ? " client_ack=" + Integer.toUnsignedString(clientAck) + " delivered="
                + Integer.toUnsignedString(packetsDelivered) : " no ingress entry") + "]";
    }
}
