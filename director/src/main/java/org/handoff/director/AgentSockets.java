package org.handoff.director;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One worker's UDP sockets to the agents: one <em>connected</em> socket per agent, opened on
 * first use. Connected, because that is how the kernel reports an ICMP port-unreachable to
 * UDP: the agent's process is gone, and its clients must be reset rather than left hanging
 * (an unconnected socket never hears of it). Each agent answers to the socket a message came
 * from, so its answers come back to this worker.
 *
 * <p>Sends copy into one reused direct buffer: nothing is allocated per datagram.
 */
final class AgentSockets implements AgentTransport {
    private static final Logger LOG = LoggerFactory.getLogger(AgentSockets.class);

    private final Map<InetSocketAddress, DatagramChannel> byAgent = new HashMap<>();
    private final List<InetSocketAddress> agents = new ArrayList<>();
    private final List<DatagramChannel> channels = new ArrayList<>();
    private final ArrayDeque<InetSocketAddress> unreachable = new ArrayDeque<>();
    private final ByteBuffer sendBuffer = ByteBuffer.allocateDirect(65_536);
    private final ByteBuffer receiveBuffer = ByteBuffer.allocate(65_536);

    @Override
    public boolean send(InetSocketAddress agent, byte[] datagram, int offset, int length) {
        if (agent == null || agent.isUnresolved()) {
            return false;
        }
        DatagramChannel ch = byAgent.get(agent);
        try {
            if (ch == null) {
                ch = open(agent);
            }
            sendBuffer.clear();
            sendBuffer.put(datagram, offset, length).flip();
            return ch.write(sendBuffer) == length;
        } catch (PortUnreachableException e) {
            unreachable.add(agent);
            return false;
        } catch (IOException e) {
            LOG.debug("send to agent {}: {}", agent, e.toString());
            return false;
        }
    }

    private DatagramChannel open(InetSocketAddress agent) throws IOException {
        DatagramChannel ch = DatagramChannel.open(StandardProtocolFamily.INET);
        try {
            ch.configureBlocking(false);
            ch.connect(agent);
        } catch (IOException e) {
            ch.close();
            throw e;
        }
        byAgent.put(agent, ch);
        agents.add(agent);
        channels.add(ch);
        return ch;
    }

    /** Reads what the agents sent, at most {@code max} datagrams; returns how many. */
    @Override
    public int drain(Receiver receiver, int max) {
        int n = 0;
        for (int i = 0; i < channels.size() && n < max; i++) {
            DatagramChannel ch = channels.get(i);
            while (n < max) {
                receiveBuffer.clear();
                int len;
                try {
                    len = ch.read(receiveBuffer);
                } catch (PortUnreachableException e) {
                    unreachable.add(agents.get(i));
                    continue; // the error is reported once; the socket stays usable
                } catch (IOException e) {
                    LOG.debug("read from agent {}: {}", agents.get(i), e.toString());
                    break;
                }
                if (len <= 0) {
                    break;
                }
                n++;
                receiver.onDatagram(receiveBuffer.array(), len);
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
    public void close() {
        for (DatagramChannel ch : channels) {
            try {
                ch.close();
            } catch (IOException e) {
                LOG.debug("closing agent socket: {}", e.toString());
            }
        }
    }
}
