package org.handoff.agent.flow;

import org.handoff.agent.link.DirectReturn;
import org.handoff.protocol.transform.ChecksumState;
import org.handoff.protocol.transform.FlowTransform;
import org.handoff.protocol.transform.PacketRewriter;
import org.handoff.protocol.transform.RewriteResult;
import org.handoff.protocol.transform.TcpSegmentSplitter;
import org.handoff.protocol.wire.Ipv4Packet;
import org.handoff.protocol.wire.TcpSegment;
import org.handoff.protocol.wire.VirtioNetHeader;

/**
 * The way from the local stack to the client: rewrites a stack packet of a flow with its
 * transform and hands it to the {@link DirectReturn} the way that egress takes it
 * (docs/agent-link.md, "Offloads"): plain; whole behind its virtio-net header, the checksum left
 * partial for the kernel; or, for an egress without offloads, a TSO super-segment cut into
 * {@code gso_size} pieces with complete checksums and a lone partial checksum completed.
 *
 * <p>Counts what it sends (packets, payload bytes, super-segments and their segments) and what
 * it drops. Per packet, allocation-free: the rewriter and splitter are its own. Not thread-safe:
 * one per {@link FlowEngine}.
 */
final class ClientEgress {
    private final DirectReturn egress;
    private final AgentCounters counters;
    private final PacketRewriter rewriter = new PacketRewriter();
    private final TcpSegmentSplitter splitter = new TcpSegmentSplitter();
    private final TcpSegmentSplitter.PieceSink sendPiece = this::sendPiece;

    ClientEgress(DirectReturn egress, AgentCounters counters) {
        this.egress = egress;
        this.counters = counters;
    }

    /**
     * Rewrites the packet the views are wrapped around, in place, and sends it. The views then
     * show the packet as the client gets it (a super-segment cut into pieces is cut from copies,
     * each piece with its headers).
     *
     * @param ip        the checked IPv4 view of the stack packet
     * @param tcp       the checked TCP view inside it
     * @param vnet      the packet's virtio-net header, checked against the packet; null for a plain packet
     * @param checksums the state of the packet's TCP checksum as it came from the stack
     * @return false when it was dropped (counted)
     */
    boolean send(FlowTransform transform, Ipv4Packet ip, TcpSegment tcp, VirtioNetHeader vnet, ChecksumState checksums) {
        byte[] b = ip.buffer();
        int off = ip.offset();
        int total = ip.totalLength();
        int headers = ip.headerLength() + tcp.headerLength();
        int payload = tcp.payloadLength();
        boolean sent;
        if (vnet != null && egress.takesOffloads()) {
            sent = sendOffloaded(transform, b, off, total, headers, payload, vnet, checksums);
        } else if (vnet != null && vnet.isGso() && payload > vnet.gsoSize()) {
            sent = sendSplit(transform, b, off, total, headers + vnet.gsoSize());
        } else {
            // A lone partial checksum must leave complete: the raw socket sends what it is given.
            ChecksumState state = checksums == ChecksumState.PARTIAL ? ChecksumState.UNVERIFIED : checksums;
            sent = rewrite(transform, b, off, total, state) && counted(egress.send(b, off, total));
        }
        if (sent) {
            counters.packetsServerToClient++;
            counters.bytesServerToClient += payload;
        }
        return sent;
    }

    /** Whether the last packet {@link #send} sent carried a TSval (timestamps on both connections). */
    boolean sentTsVal() {
        return rewriter.wroteTsVal();
    }

    /** That TSval, on the director's clock; meaningful when {@link #sentTsVal()}. */
    int sentTsValue() {
        return rewriter.writtenTsVal();
    }

    /** To an egress that takes offloads: the frame whole, behind its virtio-net header. */
    private boolean sendOffloaded(FlowTransform transform, byte[] b, int off, int total, int headers, int payload,
                                  VirtioNetHeader vnet, ChecksumState checksums) {
        if (!rewrite(transform, b, off, total, checksums)) {
            return false;
        }
        // The kernel reads hdr_len as "the headers"; what it handed out may count more (its linear part).
        vnet.hdrLen(headers);
        if (!counted(egress.sendOffloaded(b, vnet.offset(), VirtioNetHeader.LENGTH + total))) {
            return false;
        }
        if (vnet.isGso()) {
            counters.gsoFramesServerToClient++;
            counters.gsoSegmentsServerToClient += (payload + vnet.gsoSize() - 1) / vnet.gsoSize();
        }
        return true;
    }

    /** A super-segment for an egress without offloads: rewritten once, then cut as TSO would. */
    private boolean sendSplit(FlowTransform transform, byte[] b, int off, int total, int maxPieceLength) {
        // The pieces' checksums are computed from scratch, so the super-segment's may stay partial.
        if (!rewrite(transform, b, off, total, ChecksumState.PARTIAL)) {
            return false;
        }
        long failedBefore = counters.drops[AgentCounters.Drop.EGRESS_FAILED.ordinal()];
        int pieces = splitter.split(b, off, total, maxPieceLength, sendPiece);
        if (pieces < 0) {
            counters.drops[AgentCounters.Drop.MALFORMED.ordinal()]++;
            return false;
        }
        counters.gsoFramesServerToClient++;
        counters.gsoSegmentsServerToClient += pieces;
        return counters.drops[AgentCounters.Drop.EGRESS_FAILED.ordinal()] == failedBefore;
    }

    private void sendPiece(byte[] buf, int off, int len) {
        counted(egress.send(buf, off, len));
    }

    /** Counts a send the egress refused; returns whether it went. */
    private boolean counted(boolean sent) {
        if (!sent) {
            counters.drops[AgentCounters.Drop.EGRESS_FAILED.ordinal()]++;
        }
        return sent;
    }

    private boolean rewrite(FlowTransform transform, byte[] b, int off, int total, ChecksumState checksums) {
        RewriteResult r = rewriter.serverToClient(b, off, total, transform, checksums);
        if (r != RewriteResult.OK) {
            counters.drops[AgentCounters.Drop.of(r).ordinal()]++;
            return false;
        }
        return true;
    }
}
