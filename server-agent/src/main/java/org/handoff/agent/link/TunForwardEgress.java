package org.handoff.agent.link;

import org.handoff.protocol.wire.Ipv4Packet;

/**
 * {@link DirectReturn} back through the agent's own TUN (docs/agent-link.md, "Direct return
 * through the TUN"): a rewritten packet, source the VIP, is written into the TUN with its
 * virtio-net header and enters the host's receive path as if it had arrived on the TUN; the
 * kernel forwards it out of the main table's route to the client. The kernel then does what the
 * agent would otherwise do per MTU-sized packet: it cuts a TSO super-segment ({@code gso_size}
 * payload bytes each, at the egress device or in its driver), completes partial TCP checksums,
 * resolves the next hop's address, and queues on the egress device.
 *
 * <p>Needs what {@code AgentNetworkSetup} makes when forwarding is configured: IPv4 forwarding
 * on the TUN only ({@code net.ipv4.conf.TUN.forwarding=1}; the kernel decides on the device a
 * packet arrived on), reverse-path filtering off on it (the VIP is not routed back through it),
 * and the nftables notrack and forward guard. Only the agent writes into the TUN, so only its
 * packets are forwarded; the guard drops anything from the TUN that is not VIP-sourced TCP.
 *
 * <p>Writes go through {@link FrameWriter} so the runtime can serialise them with its injections
 * into the same descriptor. Failures are counted per errno and never thrown.
 */
public final class TunForwardEgress extends CountingEgress {
    /** Writes one frame (header + packet) into the TUN; 0 or an errno. */
    @FunctionalInterface
    public interface FrameWriter {
        int writeFrame(byte[] buf, int off, int len);
    }

    private static final int HEADER = TunLink.VNET_HEADER_LENGTH;

    private final FrameWriter writer;
    /** A zero header for {@link #send}: one packet, checksums complete. */
    private final byte[] plain = new byte[TunLink.MAX_FRAME];

    public TunForwardEgress(FrameWriter writer) {
        this.writer = writer;
    }

    @Override
    public boolean takesOffloads() {
        return true;
    }

    @Override
    public boolean sendOffloaded(byte[] buf, int off, int len) {
        if (len <= HEADER || Ipv4Packet.versionOf(buf[off + HEADER + Ipv4Packet.VERSION_IHL_OFFSET]) != Ipv4Packet.VERSION) {
            return fail(22); // EINVAL
        }
        int errno = writer.writeFrame(buf, off, len);
        if (errno != 0) {
            return fail(errno);
        }
        return sentOne();
    }

    /** A plain packet (complete checksums): sent behind an all-zero header. One copy; rare on this egress. */
    @Override
    public boolean send(byte[] buf, int off, int len) {
        if (len < Ipv4Packet.MIN_HEADER_LENGTH || len > TunLink.MAX_PACKET) {
            return fail(22);
        }
        System.arraycopy(buf, off, plain, HEADER, len);
        return sendOffloaded(plain, 0, HEADER + len);
    }

    /** The TUN belongs to the runtime, which closes it. */
    @Override
    public void close() {
    }
}
