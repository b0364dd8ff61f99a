package org.handoff.director.routing;

import java.util.Arrays;
import java.util.List;
import org.handoff.director.config.PoolMember;
import org.handoff.director.config.Server;
import org.handoff.director.http.ParsedRequest;

/**
 * Weighted random: each server draws {@code -ln(u) / w} with {@code u} uniform from the
 * {@link RandomSource}, and servers are ordered by ascending draw (Efraimidis-Spirakis). The
 * first is server {@code i} with probability exactly {@code w_i / sum(w)}, and the rest is a
 * weighted random failover order. Random rather than smooth weighted round robin because it
 * needs no shared mutable state: the routing table stays immutable and workers never contend.
 */
public final class WeightedSelector implements ServerSelector {
    private final Server[] servers;
    private final double[] weights;
    private final RandomSource random;

    public WeightedSelector(List<PoolMember> members, RandomSource random) {
        int n = members.size();
        servers = new Server[n];
        weights = new double[n];
        for (int i = 0; i < n; i++) {
            servers[i] = members.get(i).server();
            weights[i] = members.get(i).weight();
        }
        this.random = random;
    }

    @Override
    public List<Server> order(ParsedRequest request) {
        int n = servers.length;
        if (n == 1) {
            return List.of(servers[0]);
        }
        double[] draw = new double[n];
        Integer[] idx = new Integer[n];
        for (int i = 0; i < n; i++) {
            double u = 1.0 - random.nextDouble(); // (0, 1]
            draw[i] = -Math.log(u) / weights[i];
            idx[i] = i;
        }
        Arrays.sort(idx, (a, b) -> {
            int c = Double.compare(draw[a], draw[b]);
            return c != 0 ? c : Integer.compare(a, b);
        });
        Server[] out = new Server[n];
        for (int i = 0; i < n; i++) {
            out[i] = servers[idx[i]];
        }
        return List.of(out);
    }
}
