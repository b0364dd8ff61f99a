package org.handoff.director.io;

import java.util.List;

/** Builds the capture filter for the director's VIPs. */
public final class BpfFilters {
    private BpfFilters() {
    }

    /**
     * {@code (ip dst host A and tcp dst port P) or (...)}, prefixed with
     * {@code ether dst MAC and (...)} when a MAC is given. Each term is parenthesised: in
     * pcap's filter language {@code and} and {@code or} have the same precedence and group
     * left to right, so an unbracketed list would mean something else.
     *
     * @param mac the interface's MAC for an Ethernet capture, or {@link LinkDecoder#ANY_MAC}
     */
    /**
     * The filter for worker {@code shard} of {@code shards}: the VIP filter plus a hash of the
     * client's address and port, so each worker's capture handle sees only its own flows and
     * workers need no queue between them. {@code shards == 1} adds nothing.
     */
    public static String forVips(List<VipEndpoint> vips, long mac, int shard, int shards) {
        if (shards < 1 || shard < 0 || shard >= shards) {
            throw new IllegalArgumentException("shard=" + shard + " of " + shards + " (expected: 0.." + (shards - 1) + ")");
        }
        String base = forVips(vips, mac);
        if (shards == 1) {
            return base;
        }
        return "(" + base + ") and ((ip[12:4] ^ tcp[0:2]) % " + shards + " = " + shard + ")";
    }

    /** The worker a client endpoint belongs to; matches the capture filter of {@link #forVips(List, long, int, int)}. */
    public static int shardOf(int clientAddress, int clientPort, int shards) {
        return Integer.remainderUnsigned(clientAddress ^ clientPort, shards);
    }

    public static String forVips(List<VipEndpoint> vips, long mac) {
        if (vips.isEmpty()) {
            throw new IllegalArgumentException("vips=[] (expected: at least one VIP:port)");
        }
        StringBuilder sb = new StringBuilder();
        for (VipEndpoint v : vips) {
            if (sb.length() > 0) {
                sb.append(" or ");
            }
            sb.append("(ip dst host ").append(v.addressString()).append(" and tcp dst port ").append(v.port()).append(')');
        }
        if (mac == LinkDecoder.ANY_MAC) {
            return sb.toString();
        }
        return "ether dst " + LinkDecoder.macToString(mac) + " and (" + sb + ")";
    }
}
