package org.handoff.director.routing;

import java.util.List;
import org.handoff.director.config.Server;
import org.handoff.director.http.ParsedRequest;

/** Orders a pool's servers for one request: the first is chosen, the rest are the failover order. */
public interface ServerSelector {
    /** Every server of the pool, each once, best first. */
    List<Server> order(ParsedRequest request);
}
