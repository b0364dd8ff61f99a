package org.handoff.director.routing;

import java.util.Arrays;
import java.util.List;
import org.handoff.director.config.PoolMember;
import org.handoff.director.config.Server;
import org.handoff.director.http.ParsedRequest;

/**
 * Fewest open flows per unit of weight first ({@code flows / weight}, compared exactly as
 * {@code flows_a * weight_b} against {@code flows_b * weight_a}); ties go to the server listed
 * first in the pool, so the choice is deterministic for a given set of counts. Counts are read
 * once per decision from the {@link LoadView}.
 */
public final class LeastLoadedSelector implements ServerSelector {
    private final Server[] servers;
    private final long[] weights;
    private final LoadView load;

    public LeastLoadedSelector(List<PoolMember> members, LoadView load) {
        int n = members.size();
        servers = new Server[n];
        weights = new long[n];
        for (int i = 0; i < n; i++) {
            servers[i] = members.get(i).server();
            weights[i] = members.get(i).weight();
        }
        this.load = load;
    }

    @Override
    public List<Server> order(ParsedRequest request) {
        int n = servers.length;
        long[] flows = new long[n];
        Integer[] idx = new Integer[n];
        for (int i = 0; i < n; i++) {
            flows[i] = load.openFlows(servers[i]);
            idx[i] = i;
        }
        Arrays.sort(idx, (a, b) -> {
            int c = Long.compare(flows[a] * weights[b], flows[b] * weights[a]);
            return c != 0 ? c : Integer.compare(a, b);
        });
        Server[] out = new Server[n];
        for (int i = 0; i < n; i++) {
            out[i] = servers[idx[i]];
        }
        return List.of(out);
    }
}
