package org.handoff.lab;

import java.util.List;

/**
 * The BIRD 2 configurations of a routed lab (docs/lab.md, "Several directors"): the router's,
 * with one BGP session per director, BFD on each and the equal routes to the VIP merged into
 * one ECMP kernel route; and each director's, announcing the VIP with a device route on the
 * TUN device the director process holds ({@code capture.announce-device}), so the route exists
 * exactly while the process runs. Timers as measured for issue 14: BFD 50 ms x 5 (a dead host
 * out of the ECMP set in about 250 ms), BGP hold 3 s, keepalive 1 s, reconnect after 1 s.
 *
 * <p>Every director is in one AS, so their routes to the VIP have equal AS paths and BIRD
 * merges them ({@code merge paths} in the kernel protocol is the only ECMP switch).
 */
public final class BirdConfig {
    public static final int ROUTER_AS = 65000;
    public static final int DIRECTORS_AS = 65100;
    /** BFD: each side sends every 50 ms and declares the session down after 5 missed (250 ms). */
    static final int BFD_INTERVAL_MS = 50;
    static final int BFD_MULTIPLIER = 5;
    /** The most next hops of one ECMP route the router installs (the lab's most directors fit). */
    static final int MAX_PATHS = 16;
    /** The director's BIRD's name for its session to the router ("router" is a keyword). */
    public static final String DIRECTOR_SESSION = "uplink";
    private static final String TIMERS = "hold time 3; keepalive time 1; connect retry time 1; error wait time 1, 5; connect delay time 0;";

    private BirdConfig() {
    }

    /** One director as the router peers with it: BIRD's protocol name (the lab's name for it) and its address. */
    public record Peer(String name, String address) {
    }

    /**
     * The router's: the VIP learnt from every director, exported to the kernel as one route with
     * a next hop per live director; nothing exported to the directors.
     */
    public static String router(String routerId, String lanInterface, String vip, List<Peer> directors) {
        StringBuilder s = new StringBuilder(header(routerId));
        s.append("# ECMP: the directors' equal routes to the VIP become one multipath kernel route.\n");
        s.append("protocol kernel { ipv4 { import none; export all; }; merge paths on limit ").append(MAX_PATHS)
                .append("; learn off; }\n");
        s.append(bfd(lanInterface));
        s.append("template bgp director {\n  local ").append(routerId).append(" as ").append(ROUTER_AS).append(";\n  ")
                .append(TIMERS).append("\n  bfd on;\n  ipv4 { import where net = ").append(vip)
                .append("/32; export none; };\n}\n");
        for (Peer d : directors) {
            s.append("protocol bgp ").append(d.name()).append(" from director { neighbor ").append(d.address()).append(" as ")
                    .append(DIRECTORS_AS).append("; }\n");
        }
        return s.toString();
    }

    /**
     * A director's: the VIP as a device route on {@code announceDevice}, valid only while that
     * device exists and is up (while the director process runs), exported to the router alone.
     * No kernel protocol: the director's own routing table stays as the lab made it.
     */
    public static String director(String routerId, String lanInterface, String routerAddress, String vip, String announceDevice) {
        return header(routerId)
                + "# The VIP's route exists only while the director process holds its TUN device " + announceDevice + ".\n"
                + "protocol static vip { ipv4; route " + vip + "/32 via \"" + announceDevice + "\"; }\n"
                + bfd(lanInterface)
                + "protocol bgp " + DIRECTOR_SESSION + " {\n  local " + routerId + " as " + DIRECTORS_AS + "; neighbor " + routerAddress
                + " as " + ROUTER_AS + ";\n  " + TIMERS + "\n  bfd on;\n  ipv4 { import none; export where net = " + vip
                + "/32; };\n}\n";
    }

    private static String header(String routerId) {
        return "# Written by handoff lab (docs/lab.md); BIRD 2.\nlog stderr all;\nrouter id " + routerId + ";\n"
                + "protocol device { scan time 10; }\n";
    }

    private static String bfd(String lanInterface) {
        return "protocol bfd { interface \"" + lanInterface + "\" { min rx interval " + BFD_INTERVAL_MS + " ms; min tx interval "
                + BFD_INTERVAL_MS + " ms; idle tx interval 300 ms; multiplier " + BFD_MULTIPLIER + "; }; }\n";
    }
}
