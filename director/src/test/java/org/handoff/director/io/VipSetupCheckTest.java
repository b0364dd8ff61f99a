package org.handoff.director.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.handoff.director.io.VipSetupCheck.Report;
import org.handoff.host.CommandException;
import org.handoff.host.CommandResult;
import org.handoff.host.CommandRunner;
import org.junit.jupiter.api.Test;

/**
 * The check's decisions on canned command output. The JSON files were produced on this
 * kernel (iproute2 6.1, nftables 1.0.6) in a throwaway namespace; see vipcheck/README.md.
 */
class VipSetupCheckTest {
    static String resource(String name) {
        try (InputStream in = VipSetupCheckTest.class.getResourceAsStream("vipcheck/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException | NullPointerException e) {
            throw new AssertionError("test resource vipcheck/" + name, e);
        }
    }

    /** A fake host: address list, ip_forward, nft ruleset, and which addresses route locally. */
    static final class FakeHost implements CommandRunner {
        String addr = resource("ip-addr-clean.json");
        String forward = "0\n";
        String nft = resource("nft-empty.json");
        boolean nftMissing;
        final Map<String, String> routes = new HashMap<>();

        @Override
        public CommandResult run(List<String> argv, String stdin) {
            String cmd = String.join(" ", argv);
            if (cmd.equals("ip -j addr show")) {
                return new CommandResult(argv, 0, addr, "");
            }
            if (cmd.equals("cat /proc/sys/net/ipv4/ip_forward")) {
                return new CommandResult(argv, 0, forward, "");
            }
            if (cmd.equals("nft -j list ruleset")) {
                if (nftMissing) {
                    throw new CommandException("Cannot run program \"nft\": error=2, No such file or directory");
                }
                return new CommandResult(argv, 0, nft, "");
            }
            if (cmd.startsWith("ip -j route get ")) {
                String r = routes.get(argv.get(4));
                return r == null ? new CommandResult(argv, 2, "", "RTNETLINK answers: Network is unreachable\n")
                        : new CommandResult(argv, 0, r, "");
            }
            throw new CommandException("unexpected command " + cmd);
        }
    }

    static Report check(FakeHost host, String... vips) {
        return new VipSetupCheck(host).check(java.util.Arrays.stream(vips).map(VipEndpoint::parse).toList());
    }

    @Test
    void routedNotLocalWithoutForwardingIsSetUpA() {
        FakeHost h = new FakeHost();
        h.routes.put("198.18.10.9", resource("ip-route-get-unicast.json"));
        Report r = check(h, "198.18.10.9:80", "198.18.99.1:80"); // routed, and not routed at all
        assertTrue(r.ok(), r.toString());
        assertTrue(r.notes().get(0).contains("set-up (a)"), r.toString());
    }

    @Test
    void vipOnLoIsAProblemNamingTheInterface() {
        FakeHost h = new FakeHost();
        h.addr = resource("ip-addr-vip-on-lo.json");
        h.routes.put("198.18.1.1", resource("ip-route-get-local.json"));
        Report r = check(h, "198.18.1.1:80");
        assertEquals(1, r.problems().size(), r.toString());
        String p = r.problems().get(0);
        assertTrue(p.startsWith("VIP 198.18.1.1 is assigned to interface lo: the kernel would answer its SYNs with RST; remove it"
                + " or add an nft drop rule"), p);
        assertTrue(p.contains(VipSetupCheck.DOC), p);
    }

    @Test
    void aLocalRouteWithoutAnAddressIsAProblemToo() {
        FakeHost h = new FakeHost();
        h.routes.put("198.18.20.5", resource("ip-route-get-anyip.json"));
        Report r = check(h, "198.18.20.5:80");
        assertFalse(r.ok());
        assertTrue(r.problems().get(0).contains("'local' route"), r.toString());
    }

    @Test
    void forwardingWithoutADropRuleIsAProblem() {
        FakeHost h = new FakeHost();
        h.forward = "1\n";
        Report r = check(h, "198.18.10.9:80");
        assertFalse(r.ok());
        assertTrue(r.problems().get(0).contains("net.ipv4.ip_forward=1"), r.toString());
    }

    @Test
    void localVipWithAnNftDropIsSetUpB() {
        FakeHost h = new FakeHost();
        h.addr = resource("ip-addr-vip-on-lo.json");
        h.routes.put("198.18.1.1", resource("ip-route-get-local.json"));
        h.nft = resource("nft-ruleset.json");
        Report r = check(h, "198.18.1.1:80");
        assertTrue(r.ok(), r.toString());
        assertTrue(r.notes().get(0).contains("set-up (b)") && r.notes().get(0).contains("inet handoff pre"), r.toString());
        // the same VIP on a port the rule does not name
        Report other = check(h, "198.18.1.1:81");
        assertFalse(other.ok(), other.toString());
    }

    @Test
    void nftRulesAreReadForSetsPrefixesRangesAndHooks() {
        FakeHost h = new FakeHost();
        h.forward = "1\n"; // not local + forwarding: only prerouting/ingress/forward rules help
        h.nft = resource("nft-ruleset.json");
        assertTrue(check(h, "198.18.1.1:80").ok());
        assertTrue(check(h, "198.18.2.2:443").ok(), "address and port sets");
        assertTrue(check(h, "198.18.3.77:8050").ok(), "prefix and port range");
        assertFalse(check(h, "198.18.3.77:8200").ok(), "port outside the range");
        assertTrue(check(h, "198.18.9.1:80").ok(), "forward hook while forwarding");
        assertTrue(check(h, "198.18.11.1:80").ok(), "netdev ingress");
        assertFalse(check(h, "198.18.5.1:80").ok(), "an input-hook drop does not see forwarded packets");
        Report ct = check(h, "198.18.4.1:80");
        assertFalse(ct.ok(), "ct state condition is not trusted");
        assertTrue(ct.problems().get(0).contains("cannot confirm"), ct.toString());
    }

    @Test
    void inputHookRulesCountForLocalVips() {
        FakeHost h = new FakeHost();
        h.nft = resource("nft-ruleset.json");
        for (String vip : new String[] {"198.18.5.1", "198.18.6.1", "198.18.7.1", "198.18.8.1"}) {
            h.routes.put(vip, resource("ip-route-get-local.json"));
        }
        assertTrue(check(h, "198.18.5.1:80").ok(), "th dport");
        assertFalse(check(h, "198.18.6.1:80").ok(), "reject answers the client: not a drop");
        assertFalse(check(h, "198.18.7.1:80").ok(), "a negated address");
        assertTrue(check(h, "198.18.8.1:12345").ok(), "iifname and no port: every port");
    }

    @Test
    void missingNftIsANoteAndMissingIpAProblem() {
        FakeHost h = new FakeHost();
        h.nftMissing = true;
        Report r = check(h, "198.18.10.9:80");
        assertTrue(r.ok());
        assertTrue(r.notes().get(0).startsWith("nft not available"), r.toString());
        Report noIp = new VipSetupCheck((argv, stdin) -> {
            throw new CommandException("Cannot run program \"ip\"");
        }).check(List.of(VipEndpoint.parse("198.18.10.9:80")));
        assertFalse(noIp.ok());
        assertTrue(noIp.problems().get(0).contains("is iproute2 installed"), noIp.toString());
    }
}
