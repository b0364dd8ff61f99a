package org.handoff.director.tcp;

import java.util.Objects;
import java.util.function.Supplier;
import org.handoff.protocol.checksum.InternetChecksum;
import org.handoff.protocol.seq.SeqNumber;
import org.handoff.protocol.util.HeldPackets;
import org.handoff.protocol.util.LongHashMap;
import org.handoff.protocol.util.TimerWheel;
import org.handoff.protocol.wire.Bytes;
import org.handoff.protocol.wire.Ipv4Packet;
import org.handoff.protocol.wire.Ipv4Repr;
import org.handoff.protocol.wire.PacketEmitter;
import org.handoff.protocol.wire.TcpOptions;
import org.handoff.protocol.wire.TcpRepr;
import org.handoff.protocol.wire.TcpSegment;

/**
 * The director's user-space end of connection A, for one worker: answers SYNs (with SYN
 * cookies when the half-open table is full; with {@link TcpSettings#kernelAnswersSyns()} the
 * kernel's director_xdp answers most of them with the same cookies, and only their final ACK
 * arrives here), completes handshakes, receives and acknowledges
 * the request, answers the client itself when told to (400, 431, 503), and once a flow is
 * handed off passes its packets up untouched.
 *
 * <p>The segment that completes a request is acknowledged once the listener has looked at it:
 * when that starts a hand-off, the ACK may wait ({@link #startHandoff(TcpFlow, long, long)}),
 * as a delayed ACK would, and is never sent if the agent accepts first: the origin's side then
 * acknowledges the request to the client (docs/director.md, "The request's ACK").
 *
 * <p>Pure with respect to I/O and time: packets come in through {@link #onPacket} with the
 * time they arrived, timers advance through {@link #onTick}, and everything the director
 * sends goes to a {@link SegmentOutput}. The same code runs on live interfaces, on pcap files
 * (on the capture's clock) and in memory.
 *
 * <p>Forwarded packets take the short path: IPv4 header and ports are read, the flow is found,
 * and the bytes go up; TCP options are not even walked. Nothing on that path allocates.
 *
 * @param <A> the listener's per-flow state, kept on each {@link TcpFlow}
 */
public final class TcpTerminator<A> {
    /** Where the director's own packets go (IPv4, header first). */
    @FunctionalInterface
    public interface SegmentOutput {
        void send(byte[] buffer, int offset, int length);
    }

    /**
     * Builds the terminator for the layer that listens to it: that layer creates and owns it, so
     * neither needs a setter to find the other.
     */
    @FunctionalInterface
    public interface Factory<A> {
        TcpTerminator<A> create(FlowListener<A> listener);
    }

    /**
     * Where a packet of no flow of this worker may still belong: a flow another director of the
     * cluster handed off (its agent is known from the ownership table). Asked for every packet
     * of no local flow but a bare SYN (a SYN is always this director's to answer); nothing on
     * that path may allocate.
     */
    @FunctionalInterface
    public interface ForeignFlows {
        /** No cluster: every packet of no local flow is the terminator's, as without one. */
        ForeignFlows NONE = (b, off, len, clientAddress, clientPort, vipAddress, vipPort, nowNanos) -> false;

        /** True when the packet was taken (sent on, or counted and dropped); false leaves it to the terminator. */
        boolean take(byte[] b, int off, int len, int clientAddress, int clientPort, int vipAddress, int vipPort, long nowNanos);

        /**
         * A bare SYN of no local flow, which this worker answers: a new connection on the client
         * port, so whatever forwards an older flow on these endpoints elsewhere must stop.
         */
        default void newConnection(int clientAddress, int clientPort, int vipAddress, int vipPort) {}
    }

    private static final long TICK_NANOS = 10_000_000L;
    private static final long COOKIE_WINDOW_NANOS = 120_000_000_000L;
    private static final int SYN_ACK_RETRIES = 3;
    private static final int MAX_SPARE_ARRAYS = 64;

    /**
     * Read at each use, so a reload applies to the next SYN, segment and timer (the config
     * refuses a reload that changes {@code maxFlows}, which sized {@link #flows}).
     */
    private final Supplier<TcpSettings> settings;
    private final int[] vipAddresses;
    private final int[] vipPorts;
    private final FlowListener<A> listener;
    private final SegmentOutput output;
    private final TcpCounters counters = new TcpCounters();
    private final LongHashMap<TcpFlow<A>> flows;
    private final TimerWheel timers;
    /** Swapped by another thread when the cluster's secret rotates ({@link #synKeys(SynKeys)}); read once per SYN or cookie ACK. */
    private volatile SynKeys keys;
    private int halfOpen;
    /** Bytes held in this worker's receive buffers; {@link #bufferedBytes()} adds the held packets'. */
    private long receivedBytes;
    /** Client packets held while a flow is HANDING_OFF or reading its next request. */
    private final HeldPackets heldPackets;
    /**
     * Receive arrays of the first size given back after a next request was read, for the next
     * flow's next request: on a keep-alive connection that is every request, and the array would
     * otherwise be allocated and zeroed anew each time.
     */
    private final byte[][] spareArrays = new byte[MAX_SPARE_ARRAYS][];
    /** Bytes of held queues being replayed right now (replays nest: a release inside a release). */
    private long replayingBytes;
    private int spareCount;
    private long cookiesSentAtNanos = Long.MIN_VALUE / 2;
    /**
     * The flow whose segment completed request bytes, while the listener reads them: its ACK is
     * owed, sent before anything else the director sends the client, or deferred by a hand-off.
     */
    private TcpFlow<A> ackOwed;

    private final Ipv4Packet ip = new Ipv4Packet();
    private final TcpSegment tcp = new TcpSegment();
    private final TcpOptions options = new TcpOptions();
    private final TcpRepr txTcp = new TcpRepr();
    private final Ipv4Repr txIp = new Ipv4Repr();
    private final PacketEmitter emitter = new PacketEmitter();
    private final byte[] tx = new byte[Ipv4Packet.MAX_TOTAL_LENGTH];
    private final TimerWheel.ExpiryHandler<TcpFlow<A>> onExpiry = this::expired;
    private ForeignFlows foreignFlows = ForeignFlows.NONE;

    /**
     * @param vipAddresses the VIPs' IPv4 addresses, index-aligned with {@code vipPorts}
     * @param secret0 first half of the 128-bit secret for ISNs and cookies (fixed for replay)
     */
    public TcpTerminator(TcpSettings settings, int[] vipAddresses, int[] vipPorts, long secret0, long secret1,
                         FlowListener<A> listener, SegmentOutput output, long nowNanos) {
        this(() -> settings, vipAddresses, vipPorts, secret0, secret1, listener, output, nowNanos);
    }

    /** As above, with settings a reload may swap (read at each use). */
    public TcpTerminator(Supplier<TcpSettings> settings, int[] vipAddresses, int[] vipPorts, long secret0, long secret1,
                         FlowListener<A> listener, SegmentOutput output, long nowNanos) {
        if (vipAddresses.length != vipPorts.length || vipAddresses.length == 0 || vipAddresses.length > 0xffff) {
            throw new IllegalArgumentException("vips: " + vipAddresses.length + " addresses, " + vipPorts.length
                    + " ports (expected: the same count, 1..65535)");
        }
        this.settings = settings;
        this.vipAddresses = vipAddresses.clone();
        this.vipPorts = vipPorts.clone();
        this.listener = listener;
        this.output = output;
        this.flows = new LongHashMap<>(1024, settings.get().maxFlows());
        this.timers = new TimerWheel(TICK_NANOS, 1024, nowNanos);
        this.keys = SynKeys.of(secret0, secret1);
        this.heldPackets = new HeldPackets(maxHeldPackets(settings.get()), settings.get().maxBufferedBytesPerFlow());
    }

    public TcpCounters counters() {
        return counters;
    }

    /**
     * The secrets from now on (the directors' cluster's, at each rotation): new cookies, ISNs and
     * timestamp clocks use the current one, cookie ACKs are checked against both. Any thread.
     */
    public void synKeys(SynKeys keys) {
        this.keys = Objects.requireNonNull(keys, "keys");
    }

    /** Who takes packets of no local flow first (the cluster's handed-off flows); {@link ForeignFlows#NONE} by default. */
    public void foreignFlows(ForeignFlows foreign) {
        this.foreignFlows = Objects.requireNonNull(foreign, "foreign");
    }

    public int flowCount() {
        return flows.size();
    }

    /** Bytes of this worker's receive buffers and held-packet buffers (limit: {@code limits.max-buffered-bytes-total}). */
    public long bufferedBytes() {
        return receivedBytes + heldPackets.reservedBytes() + spareBytes();
    }

    /**
     * What the budget ({@code limits.max-buffered-bytes-total}) counts: all of it, except a queue
     * being replayed, whose packets are counted again as they are held again.
     */
    private long budgetUsed() {
        return bufferedBytes() - replayingBytes;
    }

    /**
     * Whether the worker's buffers are at {@code limits.max-buffered-bytes-total}; the spare
     * receive arrays give way first (they are only a saving), so they never starve a flow.
     */
    private boolean overBudget(long max) {
        while (budgetUsed() >= max && spareCount > 0) {
            spareArrays[--spareCount] = null;
        }
        return budgetUsed() >= max;
    }

    /** Bytes of the receive arrays kept for next requests (counted in {@link #bufferedBytes()}). */
    public long spareBytes() {
        return (long) spareCount * ReceiveBuffer.FIRST_ARRAY_BYTES;
    }

    public int halfOpenCount() {
        return halfOpen;
    }

    public TcpFlow<A> flow(int clientAddress, int clientPort, int vipIndex) {
        return flows.get(key(clientAddress, clientPort, vipIndex));
    }

    static long key(int clientAddress, int clientPort, int vipIndex) {
        return ((long) clientAddress << 32) | ((long) clientPort << 16) | vipIndex;
    }

    /** The address of the VIP with index {@code vipIndex} (see {@link #vipIndex}). */
    public int vipAddress(int vipIndex) {
        return vipAddresses[vipIndex];
    }

    public int vipPort(int vipIndex) {
        return vipPorts[vipIndex];
    }

    /** The index of a VIP, or -1: flows are keyed by it. */
    public int vipIndex(int address, int port) {
        for (int i = 0; i < vipAddresses.length; i++) {
            if (vipAddresses[i] == address && vipPorts[i] == port) {
                return i;
            }
        }
        return -1;
    }

    /** Advances timers: retransmissions and timeouts. Returns how many fired. */
    public int onTick(long nowNanos) {
        return timers.advance(nowNanos, onExpiry);
    }

    /** One IPv4 packet from a client, link header stripped. */
    public void onPacket(byte[] b, int off, int len, long nowNanos) {
        counters.packets++;
        if (len < 1 || ((b[off] >> 4) & 0xf) != 4) {
            counters.notIpv4++;
            return;
        }
        if (ip.wrap(b, off, len).check() != null || ip.protocol() != InternetChecksum.PROTO_TCP) {
            counters.malformed++;
            return;
        }
        if (ip.isFragment()) {
            counters.fragments++;
            return;
        }
        int l4 = ip.payloadOffset();
        int l4Length = ip.payloadLength();
        if (l4Length < TcpSegment.MIN_HEADER_LENGTH) {
            counters.malformed++;
            return;
        }
        int vip = vipIndex(ip.destination(), Bytes.u16(b, l4 + TcpSegment.DESTINATION_PORT_OFFSET));
        if (vip < 0) {
            counters.notForVip++;
            return;
        }
        int clientAddress = ip.source();
        int clientPort = Bytes.u16(b, l4 + TcpSegment.SOURCE_PORT_OFFSET);
        TcpFlow<A> flow = flows.get(key(clientAddress, clientPort, vip));
        int packetLength = ip.totalLength();
        if (flow != null && (flow.state == TcpFlow.State.FORWARDING || flow.state == TcpFlow.State.NEXT_REQUEST)) {
            int flags = b[l4 + TcpSegment.FLAGS_OFFSET];
            if ((flags & (TcpSegment.SYN | TcpSegment.ACK | TcpSegment.RST)) == TcpSegment.SYN
                    && isNewIncarnation(flow, b, l4, l4Length)) {
                // The client reused the port: its old connection is over (the agent's CLOSED may
                // be lost or still to come). Free the old flow and take the SYN as a new one,
                // as Linux does for a SYN to a TIME-WAIT socket, rather than forward it to an
                // agent that no longer knows the flow and leave the client without an answer.
                counters.portReuses++;
                free(flow, FlowListener.CloseCause.PORT_REUSED, nowNanos);
                onSyn(clientAddress, clientPort, vip, nowNanos);
                return;
            }
            flow.lastSeenNanos = nowNanos;
            if (flow.state == TcpFlow.State.NEXT_REQUEST) {
                holdNextRequest(flow, b, off, packetLength, l4, l4Length, nowNanos);
                return;
            }
            if ((flags & TcpSegment.ACK) != 0) {
                flow.lastClientAck = Bytes.i32(b, l4 + TcpSegment.ACK_OFFSET);
            }
            forwardOrHoldNext(flow, b, off, packetLength, l4, l4Length, nowNanos);
            return;
        }
        if (flow != null && flow.state == TcpFlow.State.RESETTING) {
            // The client still talks to a flow whose agent is gone: answer each packet with a RST
            // at the sequence number it acknowledges, which is exactly what it expects next.
            int flags = b[l4 + TcpSegment.FLAGS_OFFSET];
            if ((flags & TcpSegment.ACK) != 0 && (flags & TcpSegment.RST) == 0) {
                flow.lastClientAck = Bytes.i32(b, l4 + TcpSegment.ACK_OFFSET);
                sendReset(flow, flow.lastClientAck);
            }
            return;
        }
        if (flow != null && flow.state == TcpFlow.State.HANDING_OFF) {
            hold(flow, b, off, packetLength, l4, nowNanos);
            return;
        }
        if (flow == null && (b[l4 + TcpSegment.FLAGS_OFFSET] & (TcpSegment.SYN | TcpSegment.ACK | TcpSegment.RST)) != TcpSegment.SYN
                && foreignFlows.take(b, off, packetLength, clientAddress, clientPort, vipAddresses[vip], vipPorts[vip], nowNanos)) {
            return;
        }
        if (tcp.wrap(b, l4, l4Length).check() != null || tcp.parseOptions(options) != null) {
            counters.malformed++;
            return;
        }
        if (flow == null) {
            onPacketWithoutFlow(clientAddress, clientPort, vip, nowNanos);
            return;
        }
        flow.lastSeenNanos = nowNanos;
        onFlowSegment(flow, nowNanos);
    }

    /**
     * Whether a bare SYN on a FORWARDING flow opens a new connection on the same client port:
     * a sequence number other than the flow's own SYN (a retransmission of that is forwarded
     * like any packet) and a timestamp after the last one the flow saw, the check Linux makes
     * for a SYN that meets a TIME-WAIT socket (RFC 6191). Without timestamps there is no such
     * proof, and the SYN is forwarded as before; the flow then ends with the agent's CLOSED or
     * the idle timeout. Parses the segment's options into {@link #options}.
     */
    private boolean isNewIncarnation(TcpFlow<A> flow, byte[] b, int l4, int l4Length) {
        if (tcp.wrap(b, l4, l4Length).check() != null || tcp.parseOptions(options) != null) {
            return false;
        }
        return tcp.seq() != flow.clientIsn && flow.timestamps && options.hasTimestamps()
                && SeqNumber.gt(options.tsVal, flow.tsRecent);
    }

    // ---- no flow: SYN, cookie ACK, or a stray packet -------------------------------------

    private void onPacketWithoutFlow(int clientAddress, int clientPort, int vip, long nowNanos) {
        int flags = tcp.flags();
        if ((flags & (TcpSegment.SYN | TcpSegment.ACK | TcpSegment.RST)) == TcpSegment.SYN) {
            foreignFlows.newConnection(clientAddress, clientPort, vipAddresses[vip], vipPorts[vip]);
            onSyn(clientAddress, clientPort, vip, nowNanos);
            return;
        }
        // A cookie is checked only while one can be out: within two minutes of one this worker
        // sent, or always when the kernel answers SYNs with them (director_xdp, director_syn.h).
        if ((flags & (TcpSegment.SYN | TcpSegment.RST | TcpSegment.ACK)) == TcpSegment.ACK
                && (nowNanos - cookiesSentAtNanos < COOKIE_WINDOW_NANOS || settings.get().kernelAnswersSyns())) {
            if (onCookieAck(clientAddress, clientPort, vip, nowNanos)) {
                return;
            }
        }
        // The flow may live on another director or agent: never answer with a RST.
        counters.unknownFlow++;
    }

    private void onSyn(int clientAddress, int clientPort, int vip, long nowNanos) {
        counters.syns++;
        TcpSettings s = settings.get(); // one snapshot for the whole decision
        int vipAddress = vipAddresses[vip];
        int vipPort = vipPorts[vip];
        int clientIsn = tcp.seq();
        int clientShift = options.hasWindowScale() ? options.windowShift : -1;
        int clientMss = options.hasMss() ? options.mss : 536;
        SynKeys k = keys;
        if (halfOpen >= s.maxHalfOpen() || flows.size() >= s.maxFlows()) {
            // A flood (or a full table): answer statelessly; the final ACK carries the state back.
            int index = SynCookies.mssIndex(clientMss);
            int minute = (int) (nowNanos / 60_000_000_000L);
            int isn = k.cookies.make(clientAddress, clientPort, vipAddress, vipPort, clientIsn, minute, index);
            int tsVal = 0;
            boolean ts = options.hasTimestamps();
            if (ts) {
                tsVal = SynCookies.timestampWithOptions(tsClock(k, clientAddress, clientPort, vip, nowNanos), clientShift,
                        options.hasSackPermitted());
            }
            // The director's own MSS, as on any SYN-ACK (the cookie carries the client's); the
            // kernel's cookie SYN-ACK (director_syn.h) is this one, byte for byte.
            emitSynAck(clientAddress, clientPort, vipAddress, vipPort, isn, SeqNumber.add(clientIsn, 1),
                    s.mss(), s.receiveCapacity(), ts && clientShift >= 0 ? s.windowShift() : -1,
                    ts && options.hasSackPermitted(), ts, tsVal, options.tsVal);
            counters.cookiesSent++;
            cookiesSentAtNanos = nowNanos;
            return;
        }
        int isn = isn(k, clientAddress, clientPort, vip, nowNanos);
        long key = key(clientAddress, clientPort, vip);
        TcpFlow<A> flow = new TcpFlow<>(key, clientAddress, clientPort, vipAddress, vipPort, clientIsn, isn, nowNanos);
        flow.state = TcpFlow.State.SYN_RECEIVED;
        flow.offeredMss = s.mss();
        flow.mss = Math.min(clientMss, s.mss());
        flow.clientMss = clientMss;
        flow.clientShift = clientShift;
        flow.directorShift = clientShift >= 0 ? s.windowShift() : -1;
        flow.sackPermitted = options.hasSackPermitted();
        flow.timestamps = options.hasTimestamps();
        flow.tsRecent = options.tsVal;
        flow.tsOffset = tsOffset(k, clientAddress, clientPort, vip);
        flow.clientWindow = tcp.window();
        flow.sndUna = isn;
        flow.sndNxt = SeqNumber.add(isn, 1);
        flow.received = new ReceiveBuffer(SeqNumber.add(clientIsn, 1), s.receiveCapacity());
        flows.put(key, flow);
        halfOpen++;
        sendSynAck(flow, nowNanos);
        timers.schedule(flow, nowNanos + s.retransmitInitial().toNanos() * 5);
    }

    private boolean onCookieAck(int clientAddress, int clientPort, int vip, long nowNanos) {
        int vipAddress = vipAddresses[vip];
        int vipPort = vipPorts[vip];
        int clientIsn = SeqNumber.sub(tcp.seq(), 1);
        int cookie = SeqNumber.sub(tcp.ack(), 1);
        int minute = (int) (nowNanos / 60_000_000_000L);
        SynKeys k = keys;
        int index = k.cookies.check(clientAddress, clientPort, vipAddress, vipPort, clientIsn, cookie, minute);
        if (index < 0 && k.previous != null) {
            // Minted before the cluster's last rotation (by any director): its timestamps too.
            k = k.previous;
            index = k.cookies.check(clientAddress, clientPort, vipAddress, vipPort, clientIsn, cookie, minute);
        }
        if (index < 0) {
            counters.cookiesInvalid++;
            return false;
        }
        counters.cookiesValid++;
        TcpSettings s = settings.get();
        long key = key(clientAddress, clientPort, vip);
        TcpFlow<A> flow = new TcpFlow<>(key, clientAddress, clientPort, vipAddress, vipPort, clientIsn, cookie, nowNanos);
        flow.cookie = true;
        flow.clientMss = SynCookies.mssOf(index);
        flow.mss = Math.min(flow.clientMss, s.mss());
        if (options.hasTimestamps()) {
            flow.timestamps = true;
            flow.tsRecent = options.tsVal;
            flow.clientShift = SynCookies.shiftFromTimestamp(options.tsEcr);
            flow.directorShift = flow.clientShift >= 0 ? s.windowShift() : -1;
            flow.sackPermitted = SynCookies.sackFromTimestamp(options.tsEcr);
        }
        flow.tsOffset = tsOffset(k, clientAddress, clientPort, vip);
        flow.sndUna = tcp.ack();
        flow.sndNxt = tcp.ack();
        flow.received = new ReceiveBuffer(tcp.seq(), s.receiveCapacity());
        if (!flows.put(key, flow)) {
            counters.flowTableFull++;
            return true;
        }
        establish(flow, nowNanos);
        onFlowSegment(flow, nowNanos);
        return true;
    }

    // ---- a flow's own segments -----------------------------------------------------------

    private void onFlowSegment(TcpFlow<A> flow, long nowNanos) {
        int flags = tcp.flags();
        if ((flags & TcpSegment.RST) != 0) {
            // RFC 5961 would demand an exact match; in-window is enough for a flow we are about to drop.
            if (SeqNumber.inWindow(tcp.seq(), SeqNumber.sub(flow.receiveNext(), 1), SeqNumber.add(flow.receiveNext(), flow.received.capacity()))) {
                free(flow, flow.state == TcpFlow.State.RECEIVING || flow.state == TcpFlow.State.SYN_RECEIVED
                        ? FlowListener.CloseCause.CLIENT_CLOSED_EARLY : FlowListener.CloseCause.CLIENT_RESET, nowNanos);
            }
            return;
        }
        if (flow.state == TcpFlow.State.SYN_RECEIVED) {
            if ((flags & TcpSegment.SYN) != 0) {
                if (tcp.seq() == flow.clientIsn) {
                    counters.synAckRetransmits++;
                    sendSynAck(flow, nowNanos); // our SYN-ACK was lost
                }
                return;
            }
            if ((flags & TcpSegment.ACK) == 0 || tcp.ack() != flow.sndNxt) {
                counters.outOfWindow++;
                return;
            }
            halfOpen--;
            establish(flow, nowNanos);
        } else if ((flags & TcpSegment.SYN) != 0) {
            counters.outOfWindow++; // a SYN on an established flow: ignore (no challenge ACK needed here)
            return;
        }
        if ((flags & TcpSegment.ACK) != 0) {
            onAck(flow, nowNanos);
            if (flow.state == null) {
                return; // freed by the ACK
            }
        }
        if (flow.timestamps && options.hasTimestamps() && SeqNumber.le(tcp.seq(), flow.receiveNext())) {
            flow.tsRecent = options.tsVal;
        }
        flow.clientWindow = tcp.window();
        int payload = tcp.payloadLength();
        boolean fin = (flags & TcpSegment.FIN) != 0;
        if (payload == 0 && !fin) {
            return;
        }
        if (flow.state != TcpFlow.State.RECEIVING) {
            // Data or FIN after we answered: acknowledge a FIN, ignore the rest.
            if (fin && SeqNumber.add(tcp.seq(), payload) == flow.receiveNext() && !flow.clientFinReceived) {
                flow.clientFinReceived = true;
                sendAck(flow, nowNanos);
                if (flow.state == TcpFlow.State.CLOSING) {
                    free(flow, flow.closeCause, nowNanos);
                }
            } else if (payload > 0) {
                sendAck(flow, nowNanos);
            }
            return;
        }
        counters.dataSegments++;
        if (payload > 0 && SeqNumber.le(SeqNumber.add(tcp.seq(), payload), flow.receiveNext())) {
            counters.duplicateSegments++;
        }
        int allocated = flow.received.allocated();
        if (payload > 0 && overBudget(settings.get().maxBufferedBytes())
                && flow.received.wouldGrow(tcp.seq(), payload)) {
            // The worker's buffer budget is spent: keep no more; the client retransmits.
            counters.bufferLimitDrops++;
            sendAck(flow, nowNanos);
            return;
        }
        int grown = payload > 0 ? flow.received.accept(tcp.seq(), tcp.buffer(), tcp.payloadOffset(), payload) : 0;
        receivedBytes += flow.received.allocated() - allocated;
        boolean finInOrder = fin && SeqNumber.add(tcp.seq(), payload) == flow.receiveNext();
        if (finInOrder) {
            // The client closed before its request was complete (the listener would have
            // started a hand-off otherwise): acknowledge the FIN and close our side cleanly.
            flow.clientFinReceived = true;
            answer(flow, new byte[0], FlowListener.CloseCause.CLIENT_CLOSED_EARLY, nowNanos);
            return;
        }
        if (grown == 0) {
            sendAck(flow, nowNanos);
            return;
        }
        ackOwed = flow;
        try {
            listener.onRequestData(flow, nowNanos);
        } finally {
            // Not taken by a hand-off or an answer (more of the request to come): sent now,
            // as it would have been before the listener saw the bytes.
            if (ackOwed == flow) {
                ackOwed = null;
                if (flow.state != null) {
                    sendAck(flow, nowNanos);
                }
            }
        }
    }

    private void establish(TcpFlow<A> flow, long nowNanos) {
        counters.established++;
        flow.state = TcpFlow.State.RECEIVING;
        flow.established = true;
        flow.sndUna = flow.sndNxt;
        timers.schedule(flow, nowNanos + settings.get().requestTimeout().toNanos());
        listener.onEstablished(flow, nowNanos);
    }

    private void onAck(TcpFlow<A> flow, long nowNanos) {
        int ack = tcp.ack();
        if (SeqNumber.gt(ack, flow.sndNxt)) {
            counters.outOfWindow++;
            return;
        }
        if (SeqNumber.gt(ack, flow.sndUna)) {
            flow.sndUna = ack;
            flow.retransmits = 0;
            if (flow.state == TcpFlow.State.ANSWERING && ack == flow.sndNxt) {
                // Everything we sent, FIN included, is acknowledged.
                if (flow.clientFinReceived) {
                    free(flow, flow.closeCause, nowNanos);
                } else {
                    flow.state = TcpFlow.State.CLOSING;
                    timers.schedule(flow, nowNanos + settings.get().closeLinger().toNanos());
                }
            }
        }
    }

    // ---- the next request on a handed-off connection (hand-back) ---------------------------

    /**
     * A FORWARDING flow's client packet: forwarded to the agent, unless it carries bytes at or
     * after the armed start of the next request; then the director holds it and every packet
     * after it while the listener reads the next request (NEXT_REQUEST). A payload segment
     * before that point is the current request's body: its ack field is remembered, so the
     * listener can tell a request sent before the previous response arrived (pipelined).
     */
    private void forwardOrHoldNext(TcpFlow<A> flow, byte[] b, int off, int len, int l4, int l4Length, long nowNanos) {
        if (flow.nextRequestArmed) {
            int flags = b[l4 + TcpSegment.FLAGS_OFFSET];
            int payload = l4Length - ((b[l4 + TcpSegment.DATA_OFFSET_OFFSET] >> 4) & 0xf) * 4;
            if (payload > 0 && (flags & TcpSegment.RST) == 0) {
                int seq = Bytes.i32(b, l4 + TcpSegment.SEQ_OFFSET);
                int ack = (flags & TcpSegment.ACK) != 0 ? Bytes.i32(b, l4 + TcpSegment.ACK_OFFSET) : flow.lastClientAck;
                if (SeqNumber.gt(SeqNumber.add(seq, payload), flow.nextRequestSeq)) {
                    startNextRequest(flow, seq, ack, nowNanos);
                    // The listener, told with nothing to parse yet, leaves the flow so; should it
                    // ever release it at once, the packet goes on as a released one would.
                    if (flow.state == TcpFlow.State.NEXT_REQUEST) {
                        holdNextRequest(flow, b, off, len, l4, l4Length, nowNanos);
                    } else if (flow.state == TcpFlow.State.FORWARDING) {
                        counters.forwarded++;
                        listener.onForward(flow, b, off, len, nowNanos);
                    }
                    return;
                }
                flow.ackAtRequestEnd = ack;
            }
        }
        counters.forwarded++;
        listener.onForward(flow, b, off, len, nowNanos);
    }

    private void startNextRequest(TcpFlow<A> flow, int seq, int ack, long nowNanos) {
        counters.nextRequests++;
        flow.state = TcpFlow.State.NEXT_REQUEST;
        flow.nextRequestArmed = false;
        flow.nextRequestAck = ack;
        if (SeqNumber.lt(seq, flow.nextRequestSeq)) {
            // The segment ends the current request and begins the next: both were sent at once.
            flow.ackAtRequestEnd = ack;
        }
        flow.received.restart(flow.nextRequestSeq, spareCount > 0 ? takeSpare() : null);
        receivedBytes += flow.received.allocated();
        timers.cancel(flow); // the listener keeps this state's deadline, as for HANDING_OFF:
        listener.onNextRequestData(flow, nowNanos); // told now, so it starts one even if no byte is in order yet
    }

    /**
     * Holds a packet of a NEXT_REQUEST flow, and writes its payload into the flow's receive
     * buffer from the next request's first byte, for the listener to parse. A client RST ends
     * the flow here: what was held and the RST go to the agent, so it resets its side.
     */
    private void holdNextRequest(TcpFlow<A> flow, byte[] b, int off, int len, int l4, int l4Length, long nowNanos) {
        if ((b[l4 + TcpSegment.FLAGS_OFFSET] & TcpSegment.RST) != 0) {
            flow.state = TcpFlow.State.FORWARDING;
            HeldPackets.Queue held = detachHeld(flow);
            while (held != null && held.next()) {
                counters.forwarded++;
                listener.onForward(flow, held.buffer(), held.offset(), held.length(), nowNanos);
            }
            giveBack(held);
            counters.forwarded++;
            listener.onForward(flow, b, off, len, nowNanos);
            free(flow, FlowListener.CloseCause.CLIENT_RESET, nowNanos);
            return;
        }
        if ((b[l4 + TcpSegment.FLAGS_OFFSET] & TcpSegment.ACK) != 0) {
            flow.lastClientAck = Bytes.i32(b, l4 + TcpSegment.ACK_OFFSET);
        }
        hold(flow, b, off, len, l4, nowNanos);
        if (tcp.wrap(b, l4, l4Length).check() != null || tcp.parseOptions(options) != null) {
            counters.malformed++;
            return;
        }
        if ((tcp.flags() & TcpSegment.SYN) != 0) {
            return; // an old SYN (a new one freed the flow above): its window is unscaled, its TSval stale
        }
        // What a resumed connection echoes and tells the next agent: the client's latest.
        flow.clientWindow = tcp.window();
        if (flow.timestamps && options.hasTimestamps() && SeqNumber.gt(options.tsVal, flow.tsRecent)) {
            flow.tsRecent = options.tsVal;
        }
        int payload = tcp.payloadLength();
        if (payload == 0) {
            return;
        }
        int allocated = flow.received.allocated();
        if (overBudget(settings.get().maxBufferedBytes()) && flow.received.wouldGrow(tcp.seq(), payload)) {
            counters.bufferLimitDrops++; // the client retransmits; the listener's deadline bounds the wait
            return;
        }
        int grown = flow.received.accept(tcp.seq(), b, tcp.payloadOffset(), payload);
        receivedBytes += flow.received.allocated() - allocated;
        if (grown > 0) {
            listener.onNextRequestData(flow, nowNanos);
        }
    }

    /**
     * Where the next request on a handed-off flow begins (the end of the current one, from its
     * framing), with the ack field of the segment that carried the current request's last byte
     * when the listener knows it. From then on the client's bytes from {@code seq} are held.
     */
    public void armNextRequest(TcpFlow<A> flow, int seq, int ackAtRequestEnd) {
        flow.nextRequestSeq = seq;
        flow.ackAtRequestEnd = ackAtRequestEnd;
        flow.nextRequestArmed = true;
    }

    /** The director follows this flow's requests no further: everything is forwarded from now on. */
    public void disarmNextRequest(TcpFlow<A> flow) {
        flow.nextRequestArmed = false;
    }

    /**
     * The next request stays with the flow's agent: its held packets are forwarded in order
     * (through the same check, so a request after it, armed first by the listener, is held
     * again) and the flow forwards from now on.
     */
    public void releaseNextRequest(TcpFlow<A> flow, long nowNanos) {
        requireState(flow, TcpFlow.State.NEXT_REQUEST);
        flow.state = TcpFlow.State.FORWARDING;
        receivedBytes -= flow.received.allocated();
        byte[] array = flow.received.detach();
        if (array != null && array.length == ReceiveBuffer.FIRST_ARRAY_BYTES && spareCount < MAX_SPARE_ARRAYS) {
            spareArrays[spareCount++] = array;
        }
        timers.schedule(flow, nowNanos + settings.get().flowIdleTimeout().toNanos());
        replayHeld(flow, detachHeld(flow), nowNanos);
    }

    /**
     * The agent handed the connection back (HANDBACK): the director owns connection A again.
     * Its SND.NXT is where the origin stopped ({@code serverNext}, A's numbering, all of it
     * acknowledged by the client), its timestamp clock continues above {@code lastTsVal}, the
     * largest the client saw ({@code tsGiven}: the agent reported one). The next request's bytes,
     * already in the receive buffer, are acknowledged now and handed to the listener as a new
     * request (RECEIVING). Held packets that carry more than the buffer took (a FIN, bytes past
     * it) go to the next origin when the listener starts that hand-off, rather than wait for
     * the client's retransmission; the rest are dropped, their bytes being in the buffer.
     *
     * @param serverWindow the window field of the origin's last segment to the client; the
     *     director can offer only what its receive buffer holds, so a wider one shrinks (counted)
     */
    public void resume(TcpFlow<A> flow, int serverNext, boolean tsGiven, int lastTsVal, int serverWindow, long nowNanos) {
        requireState(flow, TcpFlow.State.NEXT_REQUEST);
        counters.resumed++;
        if (((long) serverWindow << Math.max(flow.directorShift, 0)) > flow.received.capacity()) {
            counters.resumedWindowShrunk++;
        }
        HeldPackets.Queue held = detachHeld(flow);
        flow.sndNxt = serverNext;
        flow.sndUna = serverNext;
        flow.lastClientAck = serverNext;
        flow.originProvenSending = false;
        if (flow.timestamps && tsGiven && SeqNumber.lt(flow.tsVal(nowNanos), SeqNumber.add(lastTsVal, 1))) {
            // PAWS at the client: our TSvals must not go below the origin's last.
            flow.tsOffset += SeqNumber.diff(SeqNumber.add(lastTsVal, 1), flow.tsVal(nowNanos));
        }
        flow.state = TcpFlow.State.RECEIVING;
        timers.schedule(flow, nowNanos + settings.get().requestTimeout().toNanos());
        sendAck(flow, nowNanos);
        if (flow.received.contiguous() > 0) {
            listener.onRequestData(flow, nowNanos);
        }
        if (held != null && flow.state == TcpFlow.State.HANDING_OFF && flow.held == null) {
            replayHeld(flow, held, nowNanos);
        } else {
            giveBack(held);
        }
    }

    /** {@code timeouts.request}: how long a request head may take to arrive, also a next request's. */
    public long requestTimeoutNanos() {
        return settings.get().requestTimeout().toNanos();
    }

    private byte[] takeSpare() {
        byte[] a = spareArrays[--spareCount];
        spareArrays[spareCount] = null;
        return a;
    }

    private HeldPackets.Queue detachHeld(TcpFlow<A> flow) {
        HeldPackets.Queue held = flow.held;
        flow.held = null;
        return held;
    }

    private void giveBack(HeldPackets.Queue held) {
        if (held != null) {
            heldPackets.giveBack(held);
        }
    }

    /**
     * Sends held packets on as the flow's state now says: forwarded, or held again for a next
     * request; or, for the hand-off that follows a hand-back (HANDING_OFF), held again for the
     * next origin if they carry what its HANDOFF lacks (a FIN, bytes past what the receive
     * buffer took). The rest only repeat the request (the new origin's stack would answer them
     * with duplicate ACKs) and would use up that hand-off's share of
     * {@code limits.max-buffered-bytes-per-flow}.
     */
    private void replayHeld(TcpFlow<A> flow, HeldPackets.Queue held, long nowNanos) {
        if (held == null) {
            return;
        }
        long replaying = held.capacity();
        replayingBytes += replaying;
        try {
            replayEach(flow, held, nowNanos);
        } finally {
            replayingBytes -= replaying;
            giveBack(held);
        }
    }

    private void replayEach(TcpFlow<A> flow, HeldPackets.Queue held, long nowNanos) {
        while (held.next() && flow.state != null) { // ends early if the listener frees the flow
            byte[] b = held.buffer();
            int off = held.offset();
            int len = held.length();
            boolean readable = ip.wrap(b, off, len).check() == null && ip.payloadLength() >= TcpSegment.MIN_HEADER_LENGTH;
            if (flow.state == TcpFlow.State.HANDING_OFF) {
                if (readable && carriesMoreThanTheBuffer(flow, b, ip.payloadOffset(), ip.payloadLength())) {
                    hold(flow, b, off, len, ip.payloadOffset(), nowNanos);
                }
                continue;
            }
            if (!readable) {
                counters.forwarded++;
                listener.onForward(flow, b, off, len, nowNanos); // forwarded as it came, as before
                continue;
            }
            int l4 = ip.payloadOffset();
            if (flow.state == TcpFlow.State.NEXT_REQUEST) {
                holdNextRequest(flow, b, off, len, l4, ip.payloadLength(), nowNanos);
            } else {
                forwardOrHoldNext(flow, b, off, len, l4, ip.payloadLength(), nowNanos);
            }
        }
    }

    /** Whether a held segment carries a FIN or bytes past what the flow's receive buffer took. */
    private boolean carriesMoreThanTheBuffer(TcpFlow<A> flow, byte[] b, int l4, int l4Length) {
        return tcp.wrap(b, l4, l4Length).check() == null && ((tcp.flags() & TcpSegment.FIN) != 0
                || SeqNumber.gt(SeqNumber.add(tcp.seq(), tcp.payloadLength()), flow.receiveNext()));
    }

    // ---- hand-off interplay --------------------------------------------------------------

    /** The hand-off layer starts a hand-off: hold the client's packets from now on; the request's ACK goes now. */
    public void startHandoff(TcpFlow<A> flow, long nowNanos) {
        startHandoff(flow, nowNanos, 0);
    }

    /**
     * The hand-off layer starts a hand-off: hold the client's packets from now on. When the
     * segment in hand completed the request, its ACK waits up to {@code requestAckDelayNanos}
     * (0: sent now): the agent, once its origin has the request, passes the origin's ACK of it
     * to the client, so with a quick HANDOFF_ACK the director sends none. Still waiting when the
     * delay passes (a slow agent, retries to other origins), it is sent as it would have been.
     */
    public void startHandoff(TcpFlow<A> flow, long nowNanos, long requestAckDelayNanos) {
        requireState(flow, TcpFlow.State.RECEIVING);
        flow.state = TcpFlow.State.HANDING_OFF;
        timers.cancel(flow);
        if (ackOwed != flow) {
            return; // no segment in hand (a resumed flow's bytes, acknowledged at HANDBACK)
        }
        ackOwed = null;
        if (requestAckDelayNanos > 0) {
            flow.requestAckDeferred = true;
            timers.schedule(flow, nowNanos + requestAckDelayNanos); // HANDING_OFF's timer is otherwise unused
        } else {
            counters.requestAcks[TcpCounters.RequestAck.SENT_AT_ONCE.ordinal()]++;
            sendAck(flow, nowNanos);
        }
    }

    /**
     * Sends the ACK owed for the segment in hand, or the deferred one, before anything else the
     * director sends the client (its answer, a RST), as it would have gone before the listener
     * saw the request. A deferred one is not sent when {@code sendDeferred} is false: what comes
     * next acknowledges the request, or ends the connection, anyway.
     */
    private void settleRequestAck(TcpFlow<A> flow, boolean sendDeferred, long nowNanos) {
        if (ackOwed == flow) {
            ackOwed = null;
            sendAck(flow, nowNanos);
        }
        if (flow.requestAckDeferred) {
            flow.requestAckDeferred = false;
            if (sendDeferred) {
                counters.requestAcks[TcpCounters.RequestAck.DEFERRED_SENT.ordinal()]++;
                sendAck(flow, nowNanos);
            } else {
                counters.requestAcks[TcpCounters.RequestAck.CANCELLED.ordinal()]++;
            }
        }
    }

    /** The agent acknowledged the hand-off: release held packets upward and forward from now on. */
    public void handoffAccepted(TcpFlow<A> flow, long nowNanos) {
        requireState(flow, TcpFlow.State.HANDING_OFF);
        // The agent answers once its origin has acknowledged the request, and passes that ACK on.
        settleRequestAck(flow, false, nowNanos);
        flow.state = TcpFlow.State.FORWARDING;
        flow.lastClientAck = flow.sndNxt;
        if (flow.received != null) {
            receivedBytes -= flow.received.release();
        }
        timers.schedule(flow, nowNanos + settings.get().flowIdleTimeout().toNanos());
        // Through the same check as new packets: a next request among them (armed by the
        // listener before it accepted) is held again.
        replayHeld(flow, detachHeld(flow), nowNanos);
    }

    /**
     * Takes over a flow an agent already holds, without having seen its handshake (a restarted
     * director adopting the kernel path's entries): FORWARDING from now on, its requests not
     * followed (where the current one ends is unknown), idle like any handed-off flow. Null when
     * the table already has the flow, or is full.
     */
    public TcpFlow<A> adopt(int clientAddress, int clientPort, int vip, long nowNanos) {
        long key = key(clientAddress, clientPort, vip);
        if (flows.get(key) != null) {
            return null;
        }
        TcpFlow<A> flow = new TcpFlow<>(key, clientAddress, clientPort, vipAddresses[vip], vipPorts[vip], 0, 0, nowNanos);
        flow.state = TcpFlow.State.FORWARDING;
        flow.originProvenSending = true; // the origin has been sending: the flow never moves
        if (flows.size() >= settings.get().maxFlows() || !flows.put(key, flow)) {
            counters.flowTableFull++;
            return null;
        }
        counters.adopted++;
        timers.schedule(flow, nowNanos + settings.get().flowIdleTimeout().toNanos());
        return flow;
    }

    /** Held client packets so far (they go to the next agent if the hand-off moves). */
    public int heldPackets(TcpFlow<A> flow) {
        return flow.held == null ? 0 : flow.held.packets();
    }

    /**
     * The director answers the client itself and closes: {@code response} bytes then FIN,
     * retransmitted until acknowledged. Held packets are discarded (none was acknowledged).
     */
    public void answerAndClose(TcpFlow<A> flow, byte[] response, long nowNanos) {
        if (flow.state != TcpFlow.State.RECEIVING && flow.state != TcpFlow.State.HANDING_OFF) {
            throw new IllegalStateException(flow + ": cannot answer (expected: RECEIVING or HANDING_OFF)");
        }
        settleRequestAck(flow, false, nowNanos); // every segment of the answer acknowledges the request
        releasePending(flow);
        answer(flow, response, FlowListener.CloseCause.ANSWERED, nowNanos);
    }

    /**
     * The hand-off layer is done with a flow (its agent reported it closed).
     *
     * @return false when the flow is not one an agent holds, and stays
     */
    public boolean release(TcpFlow<A> flow, long nowNanos) {
        // Only a flow an agent has or may have: a CLOSED that finds one still handshaking or
        // reading its first request speaks of an older connection on the same client port.
        if (flows.get(flow.key) != flow || (flow.state != TcpFlow.State.HANDING_OFF && flow.state != TcpFlow.State.FORWARDING
                && flow.state != TcpFlow.State.NEXT_REQUEST)) {
            return false;
        }
        free(flow, FlowListener.CloseCause.RELEASED, nowNanos);
        return true;
    }

    /**
     * The flow's agent is gone, so its origin will never send again: reset the client at once
     * rather than let its download hang until its own timeout, and keep answering its packets
     * with a RST for {@code tcp.close-linger} (a RST is only taken at exactly RCV.NXT, and the
     * client may have received bytes it has not acknowledged yet), then free the flow.
     */
    public void resetClient(TcpFlow<A> flow, long nowNanos) {
        if (flow.state != TcpFlow.State.FORWARDING && flow.state != TcpFlow.State.HANDING_OFF
                && flow.state != TcpFlow.State.NEXT_REQUEST) {
            return;
        }
        settleRequestAck(flow, false, nowNanos);
        releaseBuffers(flow);
        flow.state = TcpFlow.State.RESETTING;
        sendReset(flow, flow.lastClientAck);
        timers.schedule(flow, nowNanos + settings.get().closeLinger().toNanos());
    }

    /**
     * The client acknowledged {@code ack}, seen elsewhere than in a packet through here (the
     * kernel path tunnelled its ACKs): a later RST ({@link #resetClient}) sits there.
     */
    public void noteClientAck(TcpFlow<A> flow, int ack) {
        if (SeqNumber.gt(ack, flow.lastClientAck)) {
            flow.lastClientAck = ack;
        }
    }

    /** Resets the client's connection and frees the flow. */
    public void abort(TcpFlow<A> flow, long nowNanos) {
        if (flow.state != null && flows.get(flow.key) == flow) {
            settleRequestAck(flow, false, nowNanos);
            sendReset(flow);
            free(flow, FlowListener.CloseCause.ABORTED, nowNanos);
        }
    }

    private void releasePending(TcpFlow<A> flow) {
        if (flow.held != null) {
            heldPackets.giveBack(flow.held);
            flow.held = null;
        }
    }

    /** Gives back a flow's buffers: once handed off (the agent has the bytes) or freed. */
    private void releaseBuffers(TcpFlow<A> flow) {
        releasePending(flow);
        if (flow.received != null) {
            receivedBytes -= flow.received.release();
        }
    }

    private static void requireState(TcpFlow<?> flow, TcpFlow.State expected) {
        if (flow.state != expected) {
            throw new IllegalStateException(flow + " (expected: " + expected + ")");
        }
    }

    private void hold(TcpFlow<A> flow, byte[] b, int off, int len, int l4, long nowNanos) {
        flow.lastSeenNanos = nowNanos;
        if (flow.state == TcpFlow.State.HANDING_OFF // later, sndNxt is stale: the origin has sent since
                && len >= Ipv4Packet.MIN_HEADER_LENGTH + TcpSegment.MIN_HEADER_LENGTH
                && (b[l4 + TcpSegment.FLAGS_OFFSET] & TcpSegment.ACK) != 0
                && SeqNumber.gt(Bytes.i32(b, l4 + TcpSegment.ACK_OFFSET), flow.sndNxt)
                && !flow.originProvenSending) {
            flow.originProvenSending = true;
            counters.originProven++;
        }
        TcpSettings now = settings.get();
        heldPackets.bound(maxHeldPackets(now), now.maxBufferedBytesPerFlow()); // a reload applies from this packet on
        if (flow.held == null) {
            flow.held = heldPackets.take();
        }
        if (flow.held.hold(b, off, len, !overBudget(now.maxBufferedBytes())) != HeldPackets.Outcome.HELD) {
            counters.heldDropped++; // the client retransmits what mattered
            return;
        }
        counters.held++;
        counters.heldBytes += len;
    }

    /**
     * Bytes are the director's one configured bound on held packets; the packet bound is the most
     * that many bytes can hold (a held packet has at least IPv4 and TCP headers), so it never
     * binds first.
     */
    private static int maxHeldPackets(TcpSettings s) {
        return s.maxBufferedBytesPerFlow() / (HeldPackets.LENGTH_PREFIX + Ipv4Packet.MIN_HEADER_LENGTH + TcpSegment.MIN_HEADER_LENGTH);
    }

    // ---- the director's own answers ------------------------------------------------------

    private void answer(TcpFlow<A> flow, byte[] response, FlowListener.CloseCause cause, long nowNanos) {
        flow.state = TcpFlow.State.ANSWERING;
        flow.closeCause = cause;
        flow.answer = response;
        flow.sndUna = flow.sndNxt;
        // Response bytes, then FIN: FIN occupies one sequence number after them.
        flow.sndNxt = SeqNumber.add(flow.sndNxt, response.length + 1);
        flow.retransmits = 0;
        counters.answers++;
        sendAnswer(flow, nowNanos);
        timers.schedule(flow, nowNanos + settings.get().retransmitInitial().toNanos());
    }

    /** Sends (or resends) the unacknowledged part of the answer, MSS-sized, FIN on the last piece. */
    private void sendAnswer(TcpFlow<A> flow, long nowNanos) {
        byte[] a = flow.answer;
        int finSeq = SeqNumber.add(flow.sndNxt, -1);
        int start = Math.max(0, SeqNumber.diff(flow.sndUna, SeqNumber.sub(finSeq, a.length)));
        int seq = SeqNumber.add(SeqNumber.sub(finSeq, a.length), start);
        int mss = Math.max(64, flow.mss - (flow.timestamps ? 12 : 0));
        do {
            int n = Math.min(mss, a.length - start);
            boolean last = start + n == a.length;
            prepare(flow, seq, TcpSegment.ACK | (n > 0 ? TcpSegment.PSH : 0) | (last ? TcpSegment.FIN : 0), nowNanos);
            txTcp.payload(a, start, n);
            emit(flow);
            start += n;
            seq = SeqNumber.add(seq, n);
        } while (start < a.length);
    }

    private void expired(TcpFlow<A> flow, long nowNanos) {
        TcpSettings s = settings.get();
        switch (flow.state) {
            case SYN_RECEIVED -> {
                if (nowNanos - flow.createdNanos >= s.handshakeTimeout().toNanos() || flow.retransmits >= SYN_ACK_RETRIES) {
                    free(flow, FlowListener.CloseCause.HANDSHAKE_TIMEOUT, nowNanos);
                } else {
                    flow.retransmits++;
                    counters.synAckRetransmits++;
                    sendSynAck(flow, nowNanos);
                    timers.schedule(flow, Math.min(nowNanos + (s.retransmitInitial().toNanos() * 5 << flow.retransmits),
                            flow.createdNanos + s.handshakeTimeout().toNanos()));
                }
            }
            case RECEIVING -> {
                sendReset(flow);
                free(flow, FlowListener.CloseCause.REQUEST_TIMEOUT, nowNanos);
            }
            case ANSWERING -> {
                if (flow.retransmits >= s.maxRetransmits()) {
                    sendReset(flow);
                    free(flow, FlowListener.CloseCause.RETRANSMITS_EXHAUSTED, nowNanos);
                } else {
                    flow.retransmits++;
                    counters.answerRetransmits++;
                    sendAnswer(flow, nowNanos);
                    timers.schedule(flow, nowNanos + (s.retransmitInitial().toNanos() << flow.retransmits));
                }
            }
            case CLOSING -> free(flow, flow.closeCause, nowNanos);
            case FORWARDING -> {
                long idle = s.flowIdleTimeout().toNanos();
                if (nowNanos - flow.lastSeenNanos >= idle && listener.stillActive(flow, nowNanos)) {
                    counters.idleKept++;
                    flow.lastSeenNanos = nowNanos;
                    timers.schedule(flow, nowNanos + idle);
                } else if (nowNanos - flow.lastSeenNanos >= idle) {
                    free(flow, FlowListener.CloseCause.IDLE, nowNanos);
                } else {
                    timers.schedule(flow, flow.lastSeenNanos + idle);
                }
            }
            // The hand-off layer owns these flows' deadlines; the only timer here is the request's deferred ACK.
            case HANDING_OFF -> settleRequestAck(flow, true, nowNanos);
            case NEXT_REQUEST -> { }
            case RESETTING -> free(flow, FlowListener.CloseCause.AGENT_LOST, nowNanos);
            default -> throw new IllegalStateException(flow.toString());
        }
    }

    private void free(TcpFlow<A> flow, FlowListener.CloseCause cause, long nowNanos) {
        if (flow.state == TcpFlow.State.SYN_RECEIVED) {
            halfOpen--;
        }
        settleRequestAck(flow, false, nowNanos);
        timers.cancel(flow);
        flows.remove(flow.key);
        flow.state = null;
        releaseBuffers(flow);
        counters.closed[cause.ordinal()]++;
        listener.onClosed(flow, cause, nowNanos);
    }

    // ---- building segments ---------------------------------------------------------------

    private int isn(SynKeys k, int clientAddress, int clientPort, int vip, long nowNanos) {
        // RFC 6528: a keyed hash of the connection plus a 4-microsecond clock.
        long h = SipHash.hash3(k.secret0, k.secret1, ((long) clientAddress << 32) | (vipAddresses[vip] & 0xffffffffL),
                ((long) clientPort << 16) | vipPorts[vip], 2);
        return SeqNumber.add((int) h, (int) (nowNanos / 4000));
    }

    private int tsOffset(SynKeys k, int clientAddress, int clientPort, int vip) {
        return (int) SipHash.hash3(k.secret0, k.secret1, ((long) clientAddress << 32) | (vipAddresses[vip] & 0xffffffffL),
                ((long) clientPort << 16) | vipPorts[vip], 3);
    }

    private int tsClock(SynKeys k, int clientAddress, int clientPort, int vip, long nowNanos) {
        return (int) (nowNanos / 1_000_000L) + tsOffset(k, clientAddress, clientPort, vip);
    }

    /** The window we advertise: the room left for the request, scaled, at most 65535. */
    private static int window(TcpFlow<?> flow) {
        int room = flow.received.room();
        int shift = Math.max(flow.directorShift, 0);
        return Math.min(room >>> shift, 0xffff);
    }

    /** A flow's SYN-ACK, sent again as first sent: a reload since does not change what it offers. */
    private void sendSynAck(TcpFlow<A> flow, long nowNanos) {
        emitSynAck(flow.clientAddress, flow.clientPort, flow.vipAddress, flow.vipPort, flow.directorIsn,
                SeqNumber.add(flow.clientIsn, 1), flow.offeredMss, flow.received.capacity(), flow.directorShift,
                flow.sackPermitted, flow.timestamps, flow.tsVal(nowNanos), flow.tsRecent);
    }

    /** {@code receiveCapacity} gives the window field: a SYN's window is never scaled. */
    private void emitSynAck(int clientAddress, int clientPort, int vipAddress, int vipPort, int isn, int ack, int mss,
                            int receiveCapacity, int shift, boolean sack, boolean ts, int tsVal, int tsEcr) {
        txTcp.clear();
        txTcp.sourcePort = vipPort;
        txTcp.destinationPort = clientPort;
        txTcp.seq = isn;
        txTcp.ack = ack;
        txTcp.flags = TcpSegment.SYN | TcpSegment.ACK;
        txTcp.window = Math.min(receiveCapacity, 0xffff);
        txTcp.mss = mss;
        txTcp.windowShift = shift;
        txTcp.sackPermitted = sack;
        txTcp.timestamps = ts;
        txTcp.tsVal = tsVal;
        txTcp.tsEcr = tsEcr;
        txIp.set(vipAddress, clientAddress, InternetChecksum.PROTO_TCP);
        txIp.identification = 0;
        output.send(tx, 0, emitter.ipv4Tcp(txIp, txTcp, tx, 0));
        counters.synAcks++;
    }

    private void prepare(TcpFlow<A> flow, int seq, int flags, long nowNanos) {
        txTcp.clear();
        txTcp.sourcePort = flow.vipPort;
        txTcp.destinationPort = flow.clientPort;
        txTcp.seq = seq;
        // A received FIN occupies one sequence number after the data.
        txTcp.ack = flow.clientFinReceived ? SeqNumber.add(flow.receiveNext(), 1) : flow.receiveNext();
        txTcp.flags = flags;
        txTcp.window = window(flow);
        if (flow.timestamps) {
            txTcp.timestamps = true;
            txTcp.tsVal = flow.tsVal(nowNanos);
            txTcp.tsEcr = flow.tsRecent;
        }
    }

    private void emit(TcpFlow<A> flow) {
        txIp.set(flow.vipAddress, flow.clientAddress, InternetChecksum.PROTO_TCP);
        txIp.identification = 0;
        output.send(tx, 0, emitter.ipv4Tcp(txIp, txTcp, tx, 0));
    }

    private void sendAck(TcpFlow<A> flow, long nowNanos) {
        prepare(flow, flow.sndNxt, TcpSegment.ACK, nowNanos);
        if (flow.sackPermitted && flow.received.rangeCount() > 0) {
            int max = flow.timestamps ? 3 : 4;
            for (int i = 0; i < Math.min(max, flow.received.rangeCount()); i++) {
                txTcp.sackBlock(flow.received.rangeStartSeq(i), flow.received.rangeEndSeq(i));
            }
        }
        emit(flow);
        counters.acksSent++;
    }

    private void sendReset(TcpFlow<A> flow) {
        sendReset(flow, flow.sndNxt);
    }

    private void sendReset(TcpFlow<A> flow, int seq) {
        txTcp.clear();
        txTcp.sourcePort = flow.vipPort;
        txTcp.destinationPort = flow.clientPort;
        txTcp.seq = seq;
        txTcp.ack = flow.received != null ? flow.receiveNext() : 0;
        txTcp.flags = TcpSegment.RST | TcpSegment.ACK;
        emit(flow);
        counters.resetsSent++;
    }
}
