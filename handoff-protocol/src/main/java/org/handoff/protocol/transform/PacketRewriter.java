package org.handoff.protocol.transform;

import org.handoff.protocol.checksum.InternetChecksum;
import org.handoff.protocol.seq.SeqNumber;
import org.handoff.protocol.wire.Bytes;
import org.handoff.protocol.wire.Ipv4Packet;
import org.handoff.protocol.wire.TcpOptions;
import org.handoff.protocol.wire.TcpSegment;

/**
 * Rewrites one IPv4/TCP packet in place between connection B (agent to local server) and
 * connection A (client to VIP), per the table in docs/architecture.md:
 *
 * <pre>
 * field        server -> client                 client -> server
 * addresses    src server -> VIP                dst VIP -> server
 * ports        sport server port -> VIP port    dport VIP port -> server port
 * seq          + d                              unchanged
 * ack          unchanged                        - d
 * SACK blocks  unchanged                        - d
 * TSval        + t, never below the floor       unchanged
 * TSecr        unchanged                        - t
 * window       rescaled ws -> wd (round up)     unchanged
 * checksums    IP and TCP updated or recomputed
 * </pre>
 *
 * <p>Checksums, by {@link ChecksumState}: a packet whose checksums are known to be valid (read
 * from a TUN without offloads, built by us) gets the RFC 1624 incremental update, which touches
 * only the changed words; a packet with a <em>partial</em> TCP checksum (read from a TUN with
 * offloads: the field holds the pseudo-header sum, the sender completes it) gets only the
 * pseudo-header's change, the source or destination address, folded in; any other packet
 * (captured from a veth or NIC with checksum offload, whose TCP checksum may be partial or
 * anything) gets a full recompute, since updating a wrong value carries it on. No rewrite changes
 * a length, so the pseudo-header's TCP length never changes.
 *
 * <p>One instance per worker thread: it owns its views and option scratch, so a rewrite
 * allocates nothing. The functions are pure in the sense that matters: the output depends
 * only on the packet bytes and the {@link FlowTransform}.
 */
public final class PacketRewriter {
    private final Ipv4Packet ip = new Ipv4Packet();
    private final TcpSegment tcp = new TcpSegment();
    private final TcpOptions options = new TcpOptions();
    /** The TSval the last server-to-client rewrite wrote (A's clock): read back without parsing options again. */
    private int writtenTsVal;
    private boolean wroteTsVal;

    /** Server to client: the agent's egress towards the client, from the VIP. */
    public RewriteResult serverToClient(byte[] b, int off, int len, FlowTransform f, boolean checksumsValid) {
        return serverToClient(b, off, len, f, ChecksumState.of(checksumsValid));
    }

    /** Server to client, with the packet's TCP checksum in the given state. */
    public RewriteResult serverToClient(byte[] b, int off, int len, FlowTransform f, ChecksumState checksums) {
        wroteTsVal = false;
        RewriteResult r = open(b, off, len);
        if (r != RewriteResult.OK) {
            return r;
        }
        int tcpOff = tcp.offset();
        long acc = 0; // RFC 1624 sum of (~old + new) over changed TCP words, pseudo-header included

        int oldSource = ip.source();
        ip.source(f.vipAddress);
        acc = add32(acc, oldSource, f.vipAddress);

        int oldPort = tcp.sourcePort();
        tcp.sourcePort(f.vipPort);
        acc = add16(acc, oldPort, f.vipPort);

        int oldSeq = tcp.seq();
        int newSeq = SeqNumber.add(oldSeq, f.seqOffset);
        tcp.seq(newSeq);
        acc = add32(acc, oldSeq, newSeq);

        if (!tcp.syn()) {
            // A SYN's window is never scaled (RFC 7323 2.2); the agent swallows the SYN-ACK anyway.
            int oldWindow = tcp.window();
            int newWindow = FlowTransform.rescaleWindow(oldWindow, f.serverShift, f.directorShift);
            if (newWindow != oldWindow) {
                tcp.window(newWindow);
                acc = add16(acc, oldWindow, newWindow);
            }
        }

        if (f.timestamps && options.hasTimestamps()) {
            int at = options.timestampsOffset + 2;
            int oldTsVal = options.tsVal;
            int newTsVal = SeqNumber.max(SeqNumber.add(oldTsVal, f.tsOffset), f.tsFloor);
            Bytes.putI32(b, at, newTsVal);
            acc = add32OddAware(acc, at - tcpOff, oldTsVal, newTsVal);
            writtenTsVal = newTsVal;
            wroteTsVal = true;
        }

        finish(checksums, oldSource, f.vipAddress, acc);
        return RewriteResult.OK;
    }

    /** Whether the last successful {@link #serverToClient} rewrote a TSval (timestamps on both connections). */
    public boolean wroteTsVal() {
        return wroteTsVal;
    }

    /** The TSval the last {@link #serverToClient} wrote, on the director's clock; meaningful when {@link #wroteTsVal()}. */
    public int writtenTsVal() {
        return writtenTsVal;
    }

    /** Client to server: a client packet forwarded by the director, injected into the local stack. */
    public RewriteResult clientToServer(byte[] b, int off, int len, FlowTransform f, boolean checksumsValid) {
        return clientToServer(b, off, len, f, ChecksumState.of(checksumsValid));
    }

    /** Client to server, with the packet's TCP checksum in the given state. */
    public RewriteResult clientToServer(byte[] b, int off, int len, FlowTransform f, ChecksumState checksums) {
        RewriteResult r = open(b, off, len);
        if (r != RewriteResult.OK) {
            return r;
        }
        int tcpOff = tcp.offset();
        long acc = 0;

        int oldDestination = ip.destination();
        ip.destination(f.serverAddress);
        acc = add32(acc, oldDestination, f.serverAddress);

        int oldPort = tcp.destinationPort();
        tcp.destinationPort(f.serverPort);
        acc = add16(acc, oldPort, f.serverPort);

        int oldAck = tcp.ack();
        int newAck = SeqNumber.sub(oldAck, f.seqOffset);
        tcp.ack(newAck);
        acc = add32(acc, oldAck, newAck);

        for (int i = 0; i < options.sackBlockCount; i++) {
            int edge = options.sackBlockOffset(i);
            for (int k = 0; k < 8; k += 4) {
                int old = Bytes.i32(b, edge + k);
                int nu = SeqNumber.sub(old, f.seqOffset);
                Bytes.putI32(b, edge + k, nu);
                acc = add32OddAware(acc, edge + k - tcpOff, old, nu);
            }
        }

        if (f.timestamps && options.hasTimestamps()) {
            int at = options.timestampsOffset + 6;
            int oldTsEcr = options.tsEcr;
            int newTsEcr = SeqNumber.sub(oldTsEcr, f.tsOffset);
            Bytes.putI32(b, at, newTsEcr);
            acc = add32OddAware(acc, at - tcpOff, oldTsEcr, newTsEcr);
        }

        finish(checksums, oldDestination, f.serverAddress, acc);
        return RewriteResult.OK;
    }

    private RewriteResult open(byte[] b, int off, int len) {
        if (len < 1 || ((b[off] >> 4) & 0xf) != 4) {
            return RewriteResult.NOT_IPV4;
        }
        if (ip.wrap(b, off, len).check() != null) {
            return RewriteResult.MALFORMED;
        }
        if (ip.protocol() != InternetChecksum.PROTO_TCP) {
            return RewriteResult.NOT_TCP;
        }
        if (ip.isFragment()) {
            return RewriteResult.FRAGMENT;
        }
        tcp.wrap(b, ip.payloadOffset(), ip.payloadLength());
        if (ip.payloadLength() < TcpSegment.MIN_HEADER_LENGTH) {
            return RewriteResult.MALFORMED;
        }
        int hl = tcp.headerLength();
        if (hl < TcpSegment.MIN_HEADER_LENGTH || hl > ip.payloadLength()) {
            return RewriteResult.MALFORMED;
        }
        // One walk both validates the options and finds the ones we rewrite.
        if (tcp.parseOptions(options) != null) {
            return RewriteResult.MALFORMED;
        }
        return RewriteResult.OK;
    }

    /**
     * Applies the accumulated change to both checksums, or recomputes them. {@code tcpAcc} holds
     * every changed TCP word, pseudo-header included; a partial checksum takes only the address.
     */
    private void finish(ChecksumState checksums, int oldAddress, int newAddress, long tcpAcc) {
        switch (checksums) {
            case VALID -> {
                ip.headerChecksum(InternetChecksum.update32(ip.headerChecksum(), oldAddress, newAddress));
                tcp.checksum(InternetChecksum.fold((~tcp.checksum() & 0xffff) + tcpAcc));
            }
            case PARTIAL -> {
                ip.headerChecksum(InternetChecksum.update32(ip.headerChecksum(), oldAddress, newAddress));
                tcp.checksum(InternetChecksum.updatePartial32(tcp.checksum(), oldAddress, newAddress));
            }
            case UNVERIFIED -> {
                ip.fillHeaderChecksum();
                tcp.fillChecksum(ip.pseudoHeaderSum());
            }
        }
    }

    private static long add16(long acc, int oldWord, int newWord) {
        return acc + (~oldWord & 0xffff) + (newWord & 0xffff);
    }

    private static long add32(long acc, int oldValue, int newValue) {
        return acc + (~(oldValue >>> 16) & 0xffff) + (~oldValue & 0xffff)
                + ((newValue >>> 16) & 0xffff) + (newValue & 0xffff);
    }

    /**
     * A 32-bit field inside the options may start at an odd offset from the TCP header
     * (options need no alignment). Its bytes then straddle 16-bit words; in ones' complement a
     * byte-swapped sum is the swapped sum (RFC 1071 "byte order independence"), so the change
     * is summed as usual and swapped once.
     */
    private static long add32OddAware(long acc, int relativeOffset, int oldValue, int newValue) {
        long delta = (~(oldValue >>> 16) & 0xffff) + (~oldValue & 0xffff)
                + ((newValue >>> 16) & 0xffff) + (newValue & 0xffff);
        if ((relativeOffset & 1) == 0) {
            return acc + delta;
        }
        while ((delta >>> 16) != 0) {
            delta = (delta & 0xffff) + (delta >>> 16);
        }
        return acc + (((delta & 0xff) << 8) | ((delta >>> 8) & 0xff));
    }
}
