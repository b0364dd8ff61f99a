package org.handoff.agent.flow;

/**
 * Where the engine's packets for the local stack go: the client-looking SYN, ACKs and request
 * segments it builds, the rewritten client packets, and its RSTs. In the process this is
 * {@code LocalLink.write}; in tests a list. Returns false (the engine counts it) instead of
 * throwing.
 */
@FunctionalInterface
public interface StackOutput {
    boolean inject(byte[] buffer, int offset, int length);
}
