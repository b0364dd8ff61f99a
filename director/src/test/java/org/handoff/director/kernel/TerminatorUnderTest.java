package org.handoff.director.kernel;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.handoff.director.tcp.FlowListener;
import org.handoff.director.tcp.TcpFlow;
import org.handoff.director.tcp.TcpSettings;
import org.handoff.director.tcp.TcpTerminator;

/**
 * A Java terminator for one VIP:port with a given secret, as the director's worker has it,
 * recording what it sends and the request bytes its flows receive: the side director_xdp's SYN
 * path is held to.
 */
final class TerminatorUnderTest implements FlowListener<Void> {
    final List<byte[]> sent = new ArrayList<>();
    final List<String> events = new ArrayList<>();
    final TcpTerminator<Void> terminator;

    TerminatorUnderTest(TcpSettings settings, int vipAddress, int vipPort, long secret0, long secret1) {
        terminator = new TcpTerminator<>(settings, new int[] {vipAddress}, new int[] {vipPort}, secret0, secret1, this,
                (b, off, len) -> sent.add(Arrays.copyOfRange(b, off, off + len)), System.nanoTime());
    }

    /** The terminator's last answer to {@code ip} at {@code nowNanos}, or null. */
    byte[] answer(byte[] ip, long nowNanos) {
        sent.clear();
        terminator.onPacket(ip, 0, ip.length, nowNanos);
        return sent.isEmpty() ? null : sent.get(sent.size() - 1);
    }

    @Override
    public void onRequestData(TcpFlow<Void> flow, long nowNanos) {
        events.add("data " + flow.requestLength());
    }

    @Override
    public void onNextRequestData(TcpFlow<Void> flow, long nowNanos) {
    }

    @Override
    public void onForward(TcpFlow<Void> flow, byte[] packet, int offset, int length, long nowNanos) {
    }

    @Override
    public void onClosed(TcpFlow<Void> flow, CloseCause cause, long nowNanos) {
    }
}
