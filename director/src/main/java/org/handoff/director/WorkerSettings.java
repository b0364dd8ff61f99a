package org.handoff.director;

import org.handoff.director.config.ConfigLoader;
import org.handoff.director.config.DirectorConfig;
import org.handoff.director.handoff.HandoffSettings;
import org.handoff.director.routing.LoadCounter;
import org.handoff.director.routing.RoutingTable;
import org.handoff.director.tcp.TcpSettings;
import org.handoff.protocol.message.HandoffKeys;

/**
 * What a worker reads from the config while it runs, built from one {@link DirectorConfig} at
 * start and at each reload and swapped in with it (behind {@code ConfigHolder}'s one
 * reference): the routing table, connection A's settings, the hand-off's timing and the key
 * ring. Each part of a worker reads its share once per decision, so a reload takes effect at
 * the next SYN, timer or hand-off step, and nothing sees half of an old config.
 *
 * @param keys null for a config loaded without its key file (replay, tests supply their own)
 */
public record WorkerSettings(RoutingTable routing, TcpSettings tcp, HandoffSettings handoff, HandoffKeys keys) {

    /** The settings of each of {@code config.workers()} workers; {@code load} counts flows per server for routing. */
    public static WorkerSettings of(DirectorConfig config, LoadCounter load) {
        return of(config, load, Integer.MAX_VALUE);
    }

    /**
     * The same, with the SYN-ACK's MSS at most {@code mssCeiling}: on the kernel path a
     * tunnelled full-size segment must fit the link ({@code Director} works it out at start).
     */
    public static WorkerSettings of(DirectorConfig config, LoadCounter load, int mssCeiling) {
        TcpSettings tcp = tcp(config, config.workers());
        if (mssCeiling < tcp.mss()) {
            tcp = tcp.withMss(mssCeiling);
        }
        return new WorkerSettings(RoutingTable.of(config, load), tcp, handoff(config), config.keys());
    }

    /** The same settings with {@code keys} as the key ring (a config loaded without its key file: tests, benchmarks). */
    public WorkerSettings withKeys(HandoffKeys keys) {
        return new WorkerSettings(routing, tcp, handoff, keys);
    }

    /**
     * The same settings with the kernel answering SYNs or not ({@link TcpSettings#kernelAnswersSyns()}):
     * the kernel data path applies it to what each reload derives while director_xdp answers SYNs.
     */
    public WorkerSettings withKernelAnswersSyns(boolean kernel) {
        return new WorkerSettings(routing, tcp.withKernelAnswersSyns(kernel), handoff, keys);
    }

    /** Connection A's settings for one of {@code workers} workers, which share the limits out between them. */
    public static TcpSettings tcp(DirectorConfig c, int workers) {
        int capacity = ConfigLoader.receiveBuffer(c.tcp());
        return new TcpSettings(c.tcp().mss(), c.tcp().windowShift(), capacity,
                (int) Math.max(1, c.limits().maxFlows() / workers), Math.max(0, c.limits().maxHalfOpen() / workers),
                c.limits().maxBufferedBytesPerFlow(), Math.max(capacity, c.limits().maxBufferedBytesTotal() / workers),
                c.timeouts().handshake(), c.timeouts().request(), c.timeouts().flowIdle(),
                c.tcp().retransmitInitial(), c.tcp().maxRetransmits(), c.tcp().closeLinger());
    }

    public static HandoffSettings handoff(DirectorConfig c) {
        return new HandoffSettings(c.handoff().retransmitInitial(), c.handoff().retransmitMax(), c.handoff().deadline(),
                c.handoff().agentRestartGrace(), c.handoff().requestAckDelay());
    }
}
