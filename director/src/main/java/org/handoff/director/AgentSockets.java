package org.handoff.director;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.handoff.director.io.ConnectedUdpSocket;
import org.handoff.director.io.WakeSources;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One worker's UDP sockets to the agents: one <em>connected</em> socket per agent, opened on
 * first use. Connected, because that is how the kernel reports an ICMP port-unreachable to
 * UDP: the agent's process is gone, and its clients must be reset rather than left hanging
 * (an unconnected socket never hears of it). Each agent answers to the socket a message came
 * from, so its answers come back to this worker.
 *
 * <p>The sockets are the worker's {@link WakeSources}: the capture's wait also ends when an
 * agent answers, so answers are read at once without polling on a timer.
 *
 * <p>Nothing is allocated per datagram: each socket copies through its own native buffers.
 */
final class AgentSockets implements AgentTransport {
    private static final Logger LOG = LoggerFactory.getLogger(AgentSockets.class);

    private final Map<InetSocketAddress, ConnectedUdpSocket> byAgent = new HashMap<>();
    private final List<ConnectedUdpSocket> sockets = new ArrayList<>();
    private final ArrayDeque<InetSocketAddress> unreachable = new ArrayDeque<>();
    private final byte[] receiveBuffer = new byte[65_536];

    @Override
    public boolean send(InetSocketAddress agent, byte[] datagram, int offset, int length) {
        if (agent == null || agent.isUnresolved()) {
            return false;
        }
        ConnectedUdpSocket socket = byAgent.get(agent);
        if (socket == null) {
            try {
                socket = ConnectedUdpSocket.connect(agent);
            } catch (IOException e) {
                // Counted by the caller as a send failure, like any datagram not sent.
                LOG.debug("socket to agent {}: {}", agent, e.toString());
                return false;
            }
            byAgent.put(agent, socket);
            sockets.add(socket);
        }
        int n = socket.send(datagram, offset, length);
        if (n == length) {
            return true;
        }
        if (n == ConnectedUdpSocket.REFUSED) {
            unreachable.add(agent);
        } else if (n == ConnectedUdpSocket.FAILED) {
            LOG.debug("send to agent {}: {}", agent, socket.lastError());
        }
        return false;
    }

    /** Reads what the agents sent, at most {@code max} datagrams; returns how many. */
    @Override
    public int drain(Receiver receiver, int max) {
        int n = 0;
        for (int i = 0; i < sockets.size() && n < max; i++) {
            ConnectedUdpSocket socket = sockets.get(i);
            while (n < max) {
                int len = socket.receive(receiveBuffer);
                if (len == ConnectedUdpSocket.REFUSED) {
                    unreachable.add(socket.peer());
                    continue; // the error is reported once; the socket stays usable
                }
                if (len < 0) {
                    if (len == ConnectedUdpSocket.FAILED) {
                        LOG.debug("read from agent {}: {}", socket.peer(), socket.lastError());
                    }
                    break;
                }
                n++;
                receiver.onDatagram(receiveBuffer, len, socket.peer());
            }
        }
        return n;
    }

    /** The next agent found unreachable since the last call, or null. */
    @Override
    public InetSocketAddress pollUnreachable() {
        return unreachable.poll();
    }

    @Override
    public int wakeFdCount() {
        return sockets.size();
    }

    @Override
    public int wakeFd(int index) {
        return sockets.get(index).fd();
    }

    @Override
    public void close() {
        for (ConnectedUdpSocket socket : sockets) {
            socket.close();
        }
    }
}
