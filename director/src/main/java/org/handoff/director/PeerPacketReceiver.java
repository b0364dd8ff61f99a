package org.handoff.director;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.handoff.director.io.BpfFilters;
import org.handoff.protocol.message.HandoffProtocol;
import org.handoff.protocol.message.MessageType;
import org.handoff.protocol.message.TunnelFlyweight;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where this director takes the client packets other directors received for its flows before
 * their hand-off (docs/scale-out.md, "Wrong-director packets"): TUNNEL frames on UDP
 * {@code cluster.bind:cluster.peer-port}, sent by a peer's XDP program or its worker, carrying
 * this director's peer token. Each inner packet goes to the worker that owns its client endpoint
 * ({@link PeerInbox}), which feeds it to its terminator as if it had arrived on the capture.
 * One thread; per datagram it copies once and allocates nothing.
 */
final class PeerPacketReceiver implements Runnable, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PeerPacketReceiver.class);

    /** What became of a datagram: {@code handoff_director_cluster_peer_datagrams_total{outcome}}. */
    enum Outcome {
        QUEUED, BAD_FRAME, BAD_TOKEN, DROPPED
    }

    private final DatagramChannel channel;
    private final long token;
    private final List<PeerInbox> inboxes;
    private final ByteBuffer buffer = ByteBuffer.allocate(65_536);
    private final TunnelFlyweight tunnel = new TunnelFlyweight();
    private final AtomicLong[] outcomes = new AtomicLong[Outcome.values().length];
    private volatile Thread thread;

    private PeerPacketReceiver(DatagramChannel channel, long token, List<PeerInbox> inboxes) {
        this.channel = channel;
        this.token = token;
        this.inboxes = inboxes;
        for (int i = 0; i < outcomes.length; i++) {
            outcomes[i] = new AtomicLong();
        }
    }

    /** Binds {@code address}; the workers' inboxes in worker order. */
    static PeerPacketReceiver open(InetSocketAddress address, long token, List<PeerInbox> inboxes) throws IOException {
        DatagramChannel channel = DatagramChannel.open();
        try {
            channel.bind(address);
        } catch (IOException e) {
            channel.close();
            throw e;
        }
        return new PeerPacketReceiver(channel, token, inboxes);
    }

    @Override
    public void run() {
        thread = Thread.currentThread();
        byte[] b = buffer.array();
        while (channel.isOpen()) {
            buffer.clear();
            try {
                channel.receive(buffer);
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                LOG.warn("peer port: {}", e.toString());
                continue;
            }
            accept(b, buffer.position());
        }
    }

    /** One datagram: checked, and its inner packet queued for its worker. */
    void accept(byte[] b, int length) {
        tunnel.wrap(b, 0);
        if (length < TunnelFlyweight.HEADER_LENGTH + TunnelFlyweight.MIN_INNER_LENGTH || tunnel.magic() != HandoffProtocol.MAGIC
                || tunnel.version() != HandoffProtocol.VERSION || tunnel.typeCode() != MessageType.TUNNEL.code()
                || tunnel.totalLength() != length || (b[TunnelFlyweight.INNER_OFFSET] >> 4 & 0xf) != 4) {
            outcomes[Outcome.BAD_FRAME.ordinal()].incrementAndGet();
            return;
        }
        if (tunnel.flowToken() != token) {
            outcomes[Outcome.BAD_TOKEN.ordinal()].incrementAndGet();
            return;
        }
        int worker = BpfFilters.shardOf(tunnel.innerClientIpv4(), tunnel.innerClientPort(), inboxes.size());
        boolean queued = inboxes.get(worker).offer(b, tunnel.innerOffset(), tunnel.innerLength());
        outcomes[(queued ? Outcome.QUEUED : Outcome.DROPPED).ordinal()].incrementAndGet();
    }

    long outcome(Outcome o) {
        return outcomes[o.ordinal()].get();
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            LOG.debug("peer port close: {}", e.toString());
        }
        Thread t = thread;
        if (t != null) {
            try {
                t.join(2_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
