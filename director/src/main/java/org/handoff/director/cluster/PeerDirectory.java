package org.handoff.director.cluster;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where each director of the current view takes the packets other directors received for its
 * flows before their hand-off: its {@code cluster.bind} address, {@code cluster.peer-port}, and
 * the 64-bit peer token it drew at start, which the TUNNEL frames sent to it carry (a cheap
 * filter for stray datagrams, as a flow token is for an agent; not a MAC). Each member publishes
 * its own in its JGroups address; every view change makes a new directory. Immutable; found by
 * director id with a scan of a few entries and no allocation.
 */
public final class PeerDirectory {
    static final PeerDirectory EMPTY = new PeerDirectory(new int[0], new int[0], new int[0], new long[0]);
    private static final Pattern ENDPOINT = Pattern.compile(
            "(25[0-5]|2[0-4]\\d|1?\\d?\\d)\\.(25[0-5]|2[0-4]\\d|1?\\d?\\d)\\.(25[0-5]|2[0-4]\\d|1?\\d?\\d)\\."
                    + "(25[0-5]|2[0-4]\\d|1?\\d?\\d):(\\d{1,5})/([0-9a-f]{1,16})");

    private final int[] ids;
    private final int[] addresses;
    private final int[] ports;
    private final long[] tokens;

    PeerDirectory(int[] ids, int[] addresses, int[] ports, long[] tokens) {
        this.ids = ids;
        this.addresses = addresses;
        this.ports = ports;
        this.tokens = tokens;
    }

    /**
     * The entry of director {@code directorId}, or -1 when the view has no such director with an
     * endpoint. The last one: a director restarted under its id joins after its old self, which
     * may still be in the view for a moment.
     */
    public int find(int directorId) {
        for (int i = ids.length - 1; i >= 0; i--) {
            if (ids[i] == directorId) {
                return i;
            }
        }
        return -1;
    }

    public int address(int entry) {
        return addresses[entry];
    }

    public int port(int entry) {
        return ports[entry];
    }

    public long token(int entry) {
        return tokens[entry];
    }

    public int size() {
        return ids.length;
    }

    /**
     * A published endpoint, as text ({@code a.b.c.d:port/token in hex}): JGroups prints the
     * address's keys in its logs, where bytes would be noise.
     */
    static byte[] endpoint(int address, int port, long token) {
        return (FlowOwnership.ip(address) + ":" + port + "/" + Long.toHexString(token)).getBytes(StandardCharsets.US_ASCII);
    }

    /** A directory of the given members' published endpoints ({@code endpoints[i]} null or malformed: left out). */
    static PeerDirectory of(int[] directorIds, byte[][] endpoints) {
        int n = 0;
        int[] ids = new int[directorIds.length];
        int[] addresses = new int[directorIds.length];
        int[] ports = new int[directorIds.length];
        long[] tokens = new long[directorIds.length];
        for (int i = 0; i < directorIds.length; i++) {
            Matcher m = endpoints[i] == null ? null : ENDPOINT.matcher(new String(endpoints[i], StandardCharsets.US_ASCII));
            if (m == null || !m.matches() || directorIds[i] == 0) {
                continue;
            }
            int address = 0;
            for (int k = 1; k <= 4; k++) {
                address = (address << 8) | Integer.parseInt(m.group(k));
            }
            ids[n] = directorIds[i];
            addresses[n] = address;
            ports[n] = Integer.parseInt(m.group(5));
            tokens[n] = Long.parseUnsignedLong(m.group(6), 16);
            n++;
        }
        return new PeerDirectory(Arrays.copyOf(ids, n), Arrays.copyOf(addresses, n), Arrays.copyOf(ports, n), Arrays.copyOf(tokens, n));
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("PeerDirectory{");
        for (int i = 0; i < ids.length; i++) {
            sb.append(i == 0 ? "" : ", ").append(ids[i]).append('=').append(FlowOwnership.ip(addresses[i])).append(':').append(ports[i]);
        }
        return sb.append('}').toString();
    }
}
