package org.handoff.director;

import java.net.InetSocketAddress;
import org.handoff.director.handoff.AgentChannel;
import org.handoff.director.io.WakeSources;

/**
 * A worker's datagram path to and from the agents, as {@link DirectorWorker} uses it: send
 * (through {@link AgentChannel}), read the answers, and learn which agents were found gone.
 * {@link AgentSockets} is the real one (connected UDP sockets); {@link MemoryAgentTransport}
 * keeps everything in memory so tests and benchmarks can drive a worker without sockets.
 */
public interface AgentTransport extends AgentChannel, WakeSources, AutoCloseable {
    /**
     * Receives each datagram an agent sent; the bytes are valid only during the call. {@code from}
     * is the agent it came from (the connected socket's peer), null where no transport knows it.
     */
    @FunctionalInterface
    interface Receiver {
        void onDatagram(byte[] buffer, int length, InetSocketAddress from);
    }

    /** Hands what the agents sent to {@code receiver}, at most {@code max} datagrams; returns how many. */
    int drain(Receiver receiver, int max);

    /** The next agent found unreachable (its port closed) since the last call, or null. */
    InetSocketAddress pollUnreachable();

    /** Descriptors that become readable when an answer arrives; none for an in-memory transport. */
    @Override
    default int wakeFdCount() {
        return 0;
    }

    @Override
    default int wakeFd(int index) {
        throw new IndexOutOfBoundsException(index);
    }

    @Override
    void close();
}
