package org.handoff.director.io;

/**
 * Descriptors besides the capture's that should end a worker's wait for packets: the agents'
 * sockets, so an agent's answer is read as soon as it arrives. The set may grow between waits
 * (sockets open on first use); a source reads it afresh before each wait.
 */
public interface WakeSources {
    WakeSources NONE = new WakeSources() {
        @Override
        public int wakeFdCount() {
            return 0;
        }

        @Override
        public int wakeFd(int index) {
            throw new IndexOutOfBoundsException(index);
        }
    };

    int wakeFdCount();

    int wakeFd(int index);
}
