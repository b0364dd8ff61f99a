package org.handoff.director.routing;

import java.util.List;
import org.handoff.director.config.PoolConfig;
import org.handoff.director.config.Server;
import org.handoff.director.http.ParsedRequest;

/** A pool as the routing table uses it: its config and the selector its selection names. */
final class Pool {
    final String name;
    final PoolConfig config;
    final ServerSelector selector;

    Pool(PoolConfig config, LoadView load, RandomSource random) {
        this.name = config.name();
        this.config = config;
        switch (config.selection()) {
            case LEAST_LOADED:
                selector = new LeastLoadedSelector(config.members(), load);
                break;
            case WEIGHTED:
                selector = new WeightedSelector(config.members(), random);
                break;
            default:
                selector = new RendezvousSelector(config.members());
        }
    }

    List<Server> order(ParsedRequest request) {
        return selector.order(request);
    }
}
