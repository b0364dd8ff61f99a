package org.handoff.director.routing;

import com.google.common.hash.HashFunction;
import com.google.common.hash.Hasher;
import com.google.common.hash.Hashing;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.handoff.director.config.PoolMember;
import org.handoff.director.config.Server;
import org.handoff.director.http.ParsedRequest;

/**
 * Consistent hashing of the URL by weighted rendezvous (highest random weight) hashing.
 *
 * <p>For a URL key {@code k} and each server {@code s} with weight {@code w}: {@code h =
 * fmix64(murmur3(k) ^ murmur3(name(s)))} taken as a uniform {@code u} in (0, 1), score {@code
 * -ln(u) / w}; servers are ordered by ascending score (the logarithmic method: a server's
 * share of keys is exactly {@code w / sum(w)}). The order is the failover order: when the
 * first server is gone, its keys spread over the others in proportion to their weights, and
 * no other key moves.
 *
 * <p>Why rendezvous and not a ring or Maglev: pools are small (a few to a few hundred
 * servers) and routing runs once per connection, so O(n) hashes per decision costs nothing
 * worth saving, while rendezvous gives for free what the others need extra work for: a full
 * preference order per key for failover, exact weights without virtual nodes, minimal
 * movement (only keys won by an added server move; only those of a removed server move), no
 * table to rebuild, and a result that depends only on server names and weights, not on their
 * order in the file.
 *
 * <p>Stability: the key is murmur3_128 (Guava; its output is fixed across releases and JVMs)
 * of the host, a 0 byte, the path, and "?query" when there is a query. A server is identified
 * by its name: changing its addresses moves nothing, renaming it moves its keys.
 */
public final class RendezvousSelector implements ServerSelector {
    private static final HashFunction MURMUR = Hashing.murmur3_128();

    private final Server[] servers;
    private final long[] seeds;
    private final double[] weights;

    public RendezvousSelector(List<PoolMember> members) {
        int n = members.size();
        servers = new Server[n];
        seeds = new long[n];
        weights = new double[n];
        for (int i = 0; i < n; i++) {
            servers[i] = members.get(i).server();
            seeds[i] = MURMUR.hashString(servers[i].name(), StandardCharsets.UTF_8).asLong();
            weights[i] = members.get(i).weight();
        }
    }

    @Override
    public List<Server> order(ParsedRequest request) {
        return order(urlKey(request.host(), request.path(), request.query()));
    }

    /** The 64-bit key of a URL: host, path and query as the director sees them. */
    public static long urlKey(String host, String path, String query) {
        Hasher h = MURMUR.newHasher()
                .putString(host, StandardCharsets.UTF_8)
                .putByte((byte) 0)
                .putString(path, StandardCharsets.UTF_8);
        if (!query.isEmpty()) {
            h.putByte((byte) '?').putString(query, StandardCharsets.UTF_8);
        }
        return h.hash().asLong();
    }

    /** Every server ordered by its score for this key, best first. */
    public List<Server> order(long key) {
        int n = servers.length;
        if (n == 1) {
            return List.of(servers[0]);
        }
        double[] score = new double[n];
        Integer[] idx = new Integer[n];
        for (int i = 0; i < n; i++) {
            score[i] = score(key, i);
            idx[i] = i;
        }
        Arrays.sort(idx, (a, b) -> {
            int c = Double.compare(score[a], score[b]);
            return c != 0 ? c : servers[a].name().compareTo(servers[b].name());
        });
        Server[] out = new Server[n];
        for (int i = 0; i < n; i++) {
            out[i] = servers[idx[i]];
        }
        return List.of(out);
    }

    /** The first server for the key, without ordering the rest. */
    public Server first(long key) {
        int best = 0;
        double bestScore = Double.MAX_VALUE;
        for (int i = 0; i < servers.length; i++) {
            double s = score(key, i);
            if (s < bestScore || (s == bestScore && servers[i].name().compareTo(servers[best].name()) < 0)) {
                best = i;
                bestScore = s;
            }
        }
        return servers[best];
    }

    private double score(long key, int i) {
        long h = fmix64(key ^ seeds[i]);
        double u = ((h >>> 11) + 0.5) * 0x1.0p-53; // uniform in (0, 1), never 0 or 1
        return -Math.log(u) / weights[i];
    }

    /** MurmurHash3's 64-bit finaliser: every input bit affects every output bit. */
    static long fmix64(long k) {
        k ^= k >>> 33;
        k *= 0xff51afd7ed558ccdL;
        k ^= k >>> 33;
        k *= 0xc4ceb9fe1a85ec53L;
        k ^= k >>> 33;
        return k;
    }
}
