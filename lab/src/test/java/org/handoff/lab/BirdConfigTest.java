package org.handoff.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The routed lab's BIRD configs, whole: what was measured to work on BIRD 2.0.12 (issue 14's brief). */
class BirdConfigTest {
    @Test
    void theRouterPeersWithEveryDirectorAndMergesTheirRoutes() {
        assertEquals("""
                # Written by handoff lab (docs/lab.md); BIRD 2.
                log stderr all;
                router id 198.18.0.254;
                protocol device { scan time 10; }
                # ECMP: the directors' equal routes to the VIP become one multipath kernel route.
                protocol kernel { ipv4 { import none; export all; }; merge paths on limit 16; learn off; }
                protocol bfd { interface "eth0" { min rx interval 50 ms; min tx interval 50 ms; idle tx interval 300 ms; multiplier 5; }; }
                template bgp director {
                  local 198.18.0.254 as 65000;
                  hold time 3; keepalive time 1; connect retry time 1; error wait time 1, 5; connect delay time 0;
                  bfd on;
                  ipv4 { import where net = 198.18.1.1/32; export none; };
                }
                protocol bgp director1 from director { neighbor 198.18.0.1 as 65100; }
                protocol bgp director2 from director { neighbor 198.18.0.2 as 65100; }
                """, BirdConfig.router("198.18.0.254", "eth0", "198.18.1.1",
                List.of(new BirdConfig.Peer("director1", "198.18.0.1"), new BirdConfig.Peer("director2", "198.18.0.2"))));
    }

    @Test
    void aDirectorAnnouncesTheVipWhileItsDeviceExists() {
        assertEquals("""
                # Written by handoff lab (docs/lab.md); BIRD 2.
                log stderr all;
                router id 198.18.0.2;
                protocol device { scan time 10; }
                # The VIP's route exists only while the director process holds its TUN device vip0.
                protocol static vip { ipv4; route 198.18.1.1/32 via "vip0"; }
                protocol bfd { interface "eth0" { min rx interval 50 ms; min tx interval 50 ms; idle tx interval 300 ms; multiplier 5; }; }
                protocol bgp uplink {
                  local 198.18.0.2 as 65100; neighbor 198.18.0.254 as 65000;
                  hold time 3; keepalive time 1; connect retry time 1; error wait time 1, 5; connect delay time 0;
                  bfd on;
                  ipv4 { import none; export where net = 198.18.1.1/32; };
                }
                """, BirdConfig.director("198.18.0.2", "eth0", "198.18.0.254", "198.18.1.1", "vip0"));
    }
}
