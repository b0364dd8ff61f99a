package org.handoff.agent.flow;

import org.handoff.protocol.checksum.InternetChecksum;
import org.handoff.protocol.seq.SeqNumber;
import org.handoff.protocol.transform.FlowTransform;
import org.handoff.protocol.wire.Ipv4Packet;
import org.handoff.protocol.wire.Ipv4Repr;
import org.handoff.protocol.wire.PacketEmitter;
import org.handoff.protocol.wire.TcpOptions;
import org.handoff.protocol.wire.TcpRepr;
import org.handoff.protocol.wire.TcpSegment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Connection B's set-up, with the agent playing the client towards the local stack
 * (docs/agent.md, "A flow's life", steps 2 to 4): the client-looking SYN, the stack's SYN-ACK
 * read into the flow's B-side state and its {@link FlowTransform}, the handshake's final ACK on
 * the first request segment, the request bytes paced by the stack's window, and the RSTs the
 * agent injects into the stack.
 * Everything goes into the stack through one {@link StackOutput}; a failed write is counted,
 * never thrown.
 *
 * <p>It reads segments and writes packets; what they mean for the flow's life (refusal,
 * acceptance, timers) is the {@link FlowEngine}'s to decide. Segments come in through the
 * engine's views, already checked. Not thread-safe: one per engine.
 */
final class ConnectionB {
    private static final Logger LOG = LoggerFactory.getLogger(ConnectionB.class);
    /** RFC 9293 3.7.1: the MSS to assume when the SYN-ACK carries none. */
    private static final int DEFAULT_STACK_MSS = 536;
    private static final int TIMESTAMP_OPTION_BYTES = 12;
    /** Request segments sent per call at most; the stack's window or the retransmission timer continues. */
    private static final int MAX_SEGMENTS_PER_DELIVERY = 1024;

    /** What the stack's answer to the SYN was. */
    enum SynAnswer {
        /** The SYN-ACK of the SYN: B's state and transform are set, nothing is sent yet. */
        SYN_ACK,
        /** A RST acknowledging the SYN: the stack refused the connection. */
        REFUSED,
        /** Anything else (a RST or segment that does not answer the SYN): to be dropped. */
        UNEXPECTED
    }

    private final int handoffAddress;
    private final StackOutput stack;
    private final AgentCounters counters;
    private final long synIntervalNanos;
    private final long deliveryIntervalNanos;

    private final TcpOptions options = new TcpOptions();
    private final PacketEmitter emitter = new PacketEmitter();
    private final Ipv4Repr txIp = new Ipv4Repr();
    private final TcpRepr txTcp = new TcpRepr();
    private final byte[] tx = new byte[Ipv4Packet.MAX_TOTAL_LENGTH];

    ConnectionB(EngineSettings settings, StackOutput stack, AgentCounters counters) {
        this.handoffAddress = settings.handoffAddress();
        this.stack = stack;
        this.counters = counters;
        long connectNanos = settings.connectTimeout().toNanos();
        this.synIntervalNanos = connectNanos / (settings.synRetransmits() + 1);
        this.deliveryIntervalNanos = Math.max(connectNanos / 4, 1_000_000L);
    }

    /** Time between SYNs: the connect timeout shared by the first SYN and its retransmissions. */
    long synIntervalNanos() {
        return synIntervalNanos;
    }

    /** Time between retransmissions of the handshake ACK and the unacknowledged request bytes. */
    long deliveryIntervalNanos() {
        return deliveryIntervalNanos;
    }

    /** The client-looking SYN: the client's ISN and the options agreed on connection A. */
    void sendSyn(AgentFlow f, long now) {
        TcpRepr t = txTcp.clear();
        t.sourcePort = f.clientPort;
        t.destinationPort = f.serverPort;
        t.seq = f.clientIsn;
        t.flags = TcpSegment.SYN;
        t.window = (int) Math.min(0xffffL, (long) f.clientWindow << Math.max(f.clientShift, 0));
        t.mss = f.clientMss;
        t.windowShift = f.clientShift;
        t.sackPermitted = f.sackPermitted;
        if (f.timestamps) {
            t.timestamps = true;
            t.tsVal = f.tsRecent;
            t.tsEcr = 0;
        }
        f.synSends++;
        f.lastSynNanos = now;
        counters.synsSent++;
        injectBuilt(f);
    }

    /**
     * A stack segment while the SYN is out. A SYN-ACK for it sets B's state on the flow (ISN,
     * shifts, timestamps, MSS, the transform, the request's window) and counts options that
     * differ from the client's.
     */
    SynAnswer readSynAnswer(AgentFlow f, TcpSegment tcp) {
        int flags = tcp.flags();
        int isnPlusOne = SeqNumber.add(f.clientIsn, 1);
        if ((flags & TcpSegment.RST) != 0) {
            return (flags & TcpSegment.ACK) != 0 && tcp.ack() == isnPlusOne ? SynAnswer.REFUSED : SynAnswer.UNEXPECTED;
        }
        if ((flags & (TcpSegment.SYN | TcpSegment.ACK)) != (TcpSegment.SYN | TcpSegment.ACK) || tcp.ack() != isnPlusOne) {
            return SynAnswer.UNEXPECTED;
        }
        tcp.parseOptions(options);
        f.serverIsn = tcp.seq();
        f.scalingOnB = f.clientShift >= 0 && options.hasWindowScale();
        f.stackShift = f.scalingOnB ? options.windowShift : 0;
        f.timestampsOnB = f.timestamps && options.hasTimestamps();
        f.stackMss = options.hasMss() ? Math.max(options.mss, 64) : DEFAULT_STACK_MSS;
        f.synAckTsVal = options.tsVal;
        if ((f.clientShift >= 0) != options.hasWindowScale() || f.timestamps != options.hasTimestamps()
                || f.sackPermitted != options.hasSackPermitted()) {
            counters.optionMismatches++;
            LOG.debug("{}: the stack's options differ from the client's (wscale={} ts={} sack={})", f, options.hasWindowScale(),
                    options.hasTimestamps(), options.hasSackPermitted());
        }
        FlowTransform.Builder t = FlowTransform.builder()
                .client(f.clientAddress, f.clientPort)
                .vip(f.vipAddress, f.vipPort)
                .server(handoffAddress, f.serverPort)
                .isns(f.directorIsn, f.serverIsn)
                .windowShifts(f.stackShift, f.directorShift);
        if (f.timestampsOnB) {
            t.timestamps(f.directorTsVal, f.synAckTsVal);
        }
        f.transform = t.build();
        f.serverEnd = SeqNumber.add(f.serverIsn, 1);
        f.serverNext = f.serverEnd;
        f.serverNextAtLastClientData = f.serverEnd;
        f.stackAck = isnPlusOne;
        f.stackWindowBytes = tcp.window(); // a SYN's window is never scaled
        f.nextRequestSeq = isnPlusOne;
        return SynAnswer.SYN_ACK;
    }

    /** A stack ACK while the request is delivered: how far the stack has it, and its window now. */
    void readRequestAck(AgentFlow f, TcpSegment tcp) {
        int ack = tcp.ack();
        if (SeqNumber.gt(ack, f.stackAck) && SeqNumber.le(ack, f.requestEnd)) {
            f.stackAck = ack;
        }
        f.stackWindowBytes = (long) tcp.window() << f.stackShift;
    }

    /** True once the stack has acknowledged every request byte. */
    static boolean requestAccepted(AgentFlow f) {
        return SeqNumber.ge(f.stackAck, f.requestEnd);
    }

    /**
     * The handshake's final ACK and the request from where it stands. Every request segment
     * carries the ACK (seq ci+1, ack si+1), and an ACK with data completes a handshake (RFC 9293
     * 3.10.7.4; Linux takes the data with it), so the first segment is the ACK: a request that
     * fits one segment goes into the stack in one write. A pure ACK only when no request byte can
     * go (an empty request, a closed window).
     */
    void completeHandshake(AgentFlow f) {
        if (deliver(f) == 0) {
            sendAck(f);
        }
    }

    /**
     * The handshake's ACK again (it may have been lost: the SYN-ACK came again, or the timer
     * fired), on the request sent again from the stack's last acknowledgment.
     */
    void resend(AgentFlow f) {
        f.nextRequestSeq = f.stackAck;
        if (deliver(f) == 0) {
            sendAck(f);
        }
    }

    /** Sends request bytes from {@code nextRequestSeq} while the stack's window allows; returns the segments sent. */
    int deliver(AgentFlow f) {
        int maxPayload = Math.max(1, Math.min(f.clientMss, f.stackMss) - (f.timestampsOnB ? TIMESTAMP_OPTION_BYTES : 0));
        int base = SeqNumber.add(f.clientIsn, 1);
        int sent = 0;
        for (; sent < MAX_SEGMENTS_PER_DELIVERY && SeqNumber.lt(f.nextRequestSeq, f.requestEnd); sent++) {
            long inFlight = SeqNumber.diff(f.nextRequestSeq, f.stackAck) & 0xffffffffL;
            long room = f.stackWindowBytes - inFlight;
            if (room <= 0) {
                return sent; // the stack's window update (or our retransmission timer) continues
            }
            int left = SeqNumber.diff(f.requestEnd, f.nextRequestSeq);
            int n = (int) Math.min(Math.min(maxPayload, left), room);
            int at = SeqNumber.diff(f.nextRequestSeq, base);
            prepareSegment(f, f.nextRequestSeq, TcpSegment.ACK | (n == left ? TcpSegment.PSH : 0));
            txTcp.payload(f.request, at, n);
            injectBuilt(f);
            f.nextRequestSeq = SeqNumber.add(f.nextRequestSeq, n);
            // Retransmitted request bytes count too: at worst a RECALL is answered RESPONSE_PENDING.
            f.serverNextAtLastClientData = f.serverNext;
        }
        return sent;
    }

    /**
     * A RST for connection B with the sequence number the stack expects next (its last
     * acknowledgment), so it is accepted rather than answered with a challenge ACK.
     */
    void resetStack(AgentFlow f) {
        TcpRepr t = txTcp.clear();
        t.sourcePort = f.clientPort;
        t.destinationPort = f.serverPort;
        t.seq = f.transform == null ? SeqNumber.add(f.clientIsn, 1) : f.stackAck;
        t.flags = TcpSegment.RST;
        counters.resetsIntoStack++;
        injectBuilt(f);
    }

    /** RFC 9293 3.10.7.1 for a stack segment of no flow: RST with seq = its ACK (or RST|ACK). */
    void resetUnknown(Ipv4Packet ip, TcpSegment tcp) {
        TcpRepr t = txTcp.clear();
        t.sourcePort = tcp.destinationPort();
        t.destinationPort = tcp.sourcePort();
        if (tcp.ackFlag()) {
            t.seq = tcp.ack();
            t.flags = TcpSegment.RST;
        } else {
            t.seq = 0;
            t.ack = SeqNumber.add(tcp.seq(), tcp.sequenceLength());
            t.flags = TcpSegment.RST | TcpSegment.ACK;
        }
        txIp.set(ip.destination(), ip.source(), InternetChecksum.PROTO_TCP);
        counters.resetsIntoStack++;
        inject(emitter.ipv4Tcp(txIp, t, tx, 0));
    }

    /** The handshake's final ACK alone: seq ci+1, ack si+1, echoing the SYN-ACK's TSval. */
    private void sendAck(AgentFlow f) {
        prepareSegment(f, SeqNumber.add(f.clientIsn, 1), TcpSegment.ACK);
        injectBuilt(f);
    }

    private void prepareSegment(AgentFlow f, int seq, int flags) {
        TcpRepr t = txTcp.clear();
        t.sourcePort = f.clientPort;
        t.destinationPort = f.serverPort;
        t.seq = seq;
        t.ack = SeqNumber.add(f.serverIsn, 1);
        t.flags = flags;
        t.window = f.scalingOnB ? f.clientWindow
                : (int) Math.min(0xffffL, (long) f.clientWindow << Math.max(f.clientShift, 0));
        if (f.timestampsOnB) {
            t.timestamps = true;
            t.tsVal = f.tsRecent;
            t.tsEcr = f.synAckTsVal;
        }
    }

    private void injectBuilt(AgentFlow f) {
        txIp.set(f.clientAddress, handoffAddress, InternetChecksum.PROTO_TCP);
        inject(emitter.ipv4Tcp(txIp, txTcp, tx, 0));
    }

    private void inject(int length) {
        if (!stack.inject(tx, 0, length)) {
            counters.drops[AgentCounters.Drop.LINK_WRITE_FAILED.ordinal()]++;
        }
    }
}
