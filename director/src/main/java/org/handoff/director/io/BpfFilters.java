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
