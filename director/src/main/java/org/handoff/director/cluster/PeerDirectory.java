package org.handoff.director.cluster;

import java.util.Arrays;

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
    /** The length of a published endpoint: IPv4 address, port, token. */
    static final int ENDPOINT_LENGTH = 4 + 2 + 8;

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

    static byte[] endpoint(int address, int port, long token) {
        byte[] b = new byte[ENDPOINT_LENGTH];
        for (int i = 0; i < 4; i++) {
            b[i] = (byte) (address >>> (24 - 8 * i));
        }
        b[4] = (byte) (port >>> 8);
        b[5] = (byte) port;
        for (int i = 0; i < 8; i++) {
            b[6 + i] = (byte) (token >>> (56 - 8 * i));
        }
        return b;
    }

    /** A directory of the given members' published endpoints ({@code endpoints[i]} null or malformed: left out). */
    static PeerDirectory of(int[] directorIds, byte[][] endpoints) {
        int n = 0;
        int[] ids = new int[directorIds.length];
        int[] addresses = new int[directorIds.length];
        int[] ports = new int[directorIds.length];
        long[] tokens = new long[directorIds.length];
        for (int i = 0; i < directorIds.length; i++) {
            byte[] e = endpoints[i];
            if (e == null || e.length != ENDPOINT_LENGTH || directorIds[i] == 0) {
                continue;
            }
            ids[n] = directorIds[i];
            addresses[n] = ((e[0] & 0xff) << 24) | ((e[1] & 0xff) << 16) | ((e[2] & 0xff) << 8) | (e[3] & 0xff);
            ports[n] = ((e[4] & 0xff) << 8) | (e[5] & 0xff);
            long t = 0;
            for (int k = 0; k < 8; k++) {
                t = (t << 8) | (e[6 + k] & 0xff);
            }
            tokens[n] = t;
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
