package org.handoff.agent.setup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Set-up, check and teardown against {@link FakeHost}: what is run, in which order, what is recorded. */
class AgentNetworkSetupTest {
    @TempDir
    Path dir;

    private AgentNetworkConfig config() {
        return AgentNetworkConfig.of("ho-tun0", "198.18.1.1", List.of(80), List.of("198.18.2.1")).withStateFile(dir.resolve("state/setup.json"));
    }

    @Test
    void setupMakesEverythingRuleLastAndRecordsIt() throws Exception {
        FakeHost host = new FakeHost();
        AgentNetworkSetup setup = new AgentNetworkSetup(config(), host);
        assertEquals(List.of(
                "ip tuntap add dev ho-tun0 mode tun",
                "ip addr add 198.18.1.1/32 dev lo",
                "ip route add default dev ho-tun0 table 100",
                "ip route add blackhole default table 100 metric 4096",
                "nft -f -",
                "ip rule add from 198.18.1.1/32 lookup 100 pref 100"), changesOf(host, setup::setup));
        int sysctl = host.commands.indexOf("sysctl -q -w net.ipv6.conf.ho-tun0.disable_ipv6=1");
        int up = host.commands.indexOf("ip link set dev ho-tun0 up");
        assertTrue(sysctl >= 0 && sysctl < up, "IPv6 is disabled before the tun comes up: " + host.commands);
        assertEquals(6, setup.loadState().orElseThrow().created().size());
        AgentNetworkSetup.CheckResult check = setup.check();
        assertTrue(check.ok(), check.problems()::toString);
    }

    @Test
    void secondSetupChangesNothing() throws Exception {
        FakeHost host = new FakeHost();
        AgentNetworkSetup setup = new AgentNetworkSetup(config(), host);
        setup.setup();
        String before = Files.readString(config().stateFile());
        host.commands.clear();
        List<String> actions = setup.setup();
        assertEquals(List.of("nft -f -"), host.changes(), "only our own nft table is rewritten");
        assertTrue(actions.stream().filter(a -> !a.contains("nftables")).allMatch(a -> a.endsWith("present")), actions::toString);
        assertEquals(before, Files.readString(config().stateFile()));
    }

    @Test
    void teardownRemovesExactlyWhatSetupMadeInReverse() throws Exception {
        FakeHost host = new FakeHost();
        host.loAddresses.add("198.18.1.1/32"); // there before us: must survive teardown
        AgentNetworkSetup setup = new AgentNetworkSetup(config(), host);
        setup.setup();
        host.commands.clear();
        setup.teardown();
        assertEquals(List.of(
                "ip rule del from 198.18.1.1/32 lookup 100 pref 100",
                "nft delete table inet handoff_agent",
                "ip route del blackhole default table 100 metric 4096",
                "ip route del default dev ho-tun0 table 100",
                "ip tuntap del dev ho-tun0 mode tun"), host.changes());
        assertEquals(List.of("198.18.1.1/32"), List.copyOf(host.loAddresses));
        assertFalse(Files.exists(config().stateFile()));
        assertEquals(List.of("no state file " + config().stateFile() + ": nothing recorded, nothing removed"), setup.teardown());
    }

    @Test
    void teardownCountsWhatIsAlreadyGoneAsRemoved() throws Exception {
        FakeHost host = new FakeHost();
        AgentNetworkSetup setup = new AgentNetworkSetup(config(), host);
        setup.setup();
        host.tuns.clear(); // someone deleted the device, and its route with it
        host.tableRoutes.removeIf(r -> r.contains("ho-tun0"));
        List<String> actions = setup.teardown();
        assertTrue(actions.contains("tun device ho-tun0 already gone"), actions::toString);
        assertTrue(actions.contains("route default dev ho-tun0 table 100 already gone"), actions::toString);
        assertFalse(Files.exists(config().stateFile()));
    }

    @Test
    void aFailedStepNamesTheCommandAndTeardownStillRemovesWhatWasMade() throws Exception {
        FakeHost host = new FakeHost();
        host.failing = "ip route add blackhole default table 100 metric 4096";
        AgentNetworkSetup setup = new AgentNetworkSetup(config(), host);
        SetupException e = assertThrows(SetupException.class, setup::setup);
        assertEquals("add the blackhole fallback: `ip route add blackhole default table 100 metric 4096` exited 2:"
                + " RTNETLINK answers: Operation not permitted", e.getMessage());
        assertTrue(host.rules.isEmpty(), "no rule while table 100 is incomplete");
        host.failing = null;
        host.commands.clear();
        setup.teardown();
        assertEquals(List.of("ip route del default dev ho-tun0 table 100", "ip addr del 198.18.1.1/32 dev lo",
                "ip tuntap del dev ho-tun0 mode tun"), host.changes());
    }

    @Test
    void refusesATableHoldingSomeoneElsesRoutes() {
        FakeHost host = new FakeHost();
        host.tableRoutes.add("{\"dst\":\"10.0.0.0/8\",\"gateway\":\"10.1.1.1\",\"dev\":\"eth1\"}");
        SetupException e = assertThrows(SetupException.class, () -> new AgentNetworkSetup(config(), host).setup());
        assertTrue(e.getMessage().startsWith("routing table 100 already holds routes this set-up does not make"), e.getMessage());
    }

    @Test
    void checkNamesEveryMissingPiece() throws Exception {
        FakeHost host = new FakeHost();
        AgentNetworkSetup.CheckResult r = new AgentNetworkSetup(config(), host).check();
        assertFalse(r.ok());
        assertEquals(List.of(
                "tun device ho-tun0 does not exist (run `handoff agent setup`)",
                "hand-off address 198.18.1.1/32 is not on lo (run `handoff agent setup`)",
                "routing table 100 has no `default dev ho-tun0`: the server's packets from 198.18.1.1 do not reach the agent"
                        + " (run `handoff agent setup`)",
                "routing table 100 has no blackhole fallback: with the tun gone the server's packets from 198.18.1.1 would leak"
                        + " to the wire (run `handoff agent setup`)",
                "no rule `from 198.18.1.1 lookup 100` (run `handoff agent setup`)",
                "nftables table inet handoff_agent is missing: conntrack would count every direct-return packet as a new flow"
                        + " (run `handoff agent setup`)"), r.problems());
        assertEquals(List.of("nothing listens on 198.18.1.1:80 (nor on a wildcard address): hand-offs to it will be refused"),
                r.warnings());
    }

    @Test
    void checkWarnsAboutIpv6OnTheTun() throws Exception {
        FakeHost host = new FakeHost();
        host.listener = true;
        AgentNetworkSetup setup = new AgentNetworkSetup(config(), host);
        setup.setup();
        host.ipv6Disabled = false;
        AgentNetworkSetup.CheckResult r = setup.check();
        assertTrue(r.ok(), r.problems()::toString);
        assertEquals(List.of("IPv6 is on for ho-tun0 (net.ipv6.conf.ho-tun0.disable_ipv6=0): router solicitations and MLD"
                + " reports reach the agent, which skips them"), r.warnings());
    }

    @Test
    void aStateFileForAnotherSetupIsRefused() throws Exception {
        FakeHost host = new FakeHost();
        new AgentNetworkSetup(config(), host).setup();
        AgentNetworkConfig other = config().withTable(200, 200);
        SetupException e = assertThrows(SetupException.class, () -> new AgentNetworkSetup(other, host).setup());
        assertTrue(e.getMessage().contains("records a set-up of tun=ho-tun0 H=198.18.1.1 table=100"), e.getMessage());
    }

    @Test
    void nftScriptExemptsTheVipsAndGuardsH() {
        AgentNetworkConfig c = new AgentNetworkConfig("ho-tun0", "198.18.1.1", 100, 100, 4096, List.of(80, 443),
                List.of("198.18.2.1", "198.18.2.2"), 1500, true, false, dir.resolve("s.json"));
        String s = new AgentNetworkSetup(c, new FakeHost()).nftScript();
        assertTrue(s.contains("ip saddr { 198.18.2.1, 198.18.2.2 } meta l4proto tcp notrack"), s);
        assertTrue(s.contains("ip daddr 198.18.1.1 tcp dport { 80, 443 } iifname != { \"lo\", \"ho-tun0\" } drop"), s);
        assertTrue(s.startsWith("table inet handoff_agent {}\ndelete table inet handoff_agent\n"), "replaced whole, atomically");
    }

    // ---------------------------------------------------------------- forwarding (link.offload auto)

    private AgentNetworkConfig forwardingConfig() {
        return config().withForwarding(true);
    }

    @Test
    void forwardingIsEnabledOnTheTunAloneAfterTheGuardAndRecordedWithWhatWasThere() throws Exception {
        FakeHost host = new FakeHost();
        host.listener = true;
        AgentNetworkSetup setup = new AgentNetworkSetup(forwardingConfig(), host);
        List<String> actions = setup.setup();
        assertEquals(List.of(
                "ip tuntap add dev ho-tun0 mode tun",
                "ip addr add 198.18.1.1/32 dev lo",
                "ip route add default dev ho-tun0 table 100",
                "ip route add blackhole default table 100 metric 4096",
                "nft -f -",
                "sysctl -q -w net.ipv4.conf.ho-tun0.forwarding=1",
                "sysctl -q -w net.ipv4.conf.ho-tun0.rp_filter=0",
                "ip rule add from 198.18.1.1/32 lookup 100 pref 100"), host.changes());
        assertTrue(actions.contains("set net.ipv4.conf.ho-tun0.forwarding=1 (was 0)"), actions::toString);
        assertTrue(actions.contains("set net.ipv4.conf.ho-tun0.rp_filter=0 (was 2)"), actions::toString);
        assertEquals("0", host.sysctls.get("net.ipv4.conf.all.rp_filter"), "the host's own setting is left alone");
        assertFalse(host.sysctls.containsKey("net.ipv4.conf.all.forwarding"), "all.forwarding is never written");
        List<AgentNetworkSetup.CreatedItem> created = setup.loadState().orElseThrow().created();
        assertEquals(8, created.size());
        assertEquals(List.of("sysctl", "-q", "-w", "net.ipv4.conf.ho-tun0.forwarding=0"), created.get(5).undo());
        assertEquals(List.of("sysctl", "-q", "-w", "net.ipv4.conf.ho-tun0.rp_filter=2"), created.get(6).undo());
        AgentNetworkSetup.CheckResult check = setup.check();
        assertTrue(check.ok(), check.problems()::toString);
        assertEquals(List.of(), check.forwardingProblems());
        assertEquals(List.of(), check.warnings());

        host.commands.clear();
        List<String> again = setup.setup();
        assertEquals(List.of("nft -f -"), host.changes(), "a second set-up changes nothing but our nft table");
        assertTrue(again.contains("net.ipv4.conf.ho-tun0.forwarding=1 present"), again::toString);
        assertEquals(8, setup.loadState().orElseThrow().created().size());
    }

    @Test
    void teardownPutsTheTunsSysctlsBackBeforeRemovingTheRest() throws Exception {
        FakeHost host = new FakeHost();
        host.tuns.add("ho-tun0"); // there before us: stays, with its sysctls as they were
        host.sysctls.put("net.ipv4.conf.ho-tun0.forwarding", "0");
        host.sysctls.put("net.ipv4.conf.ho-tun0.rp_filter", "1");
        AgentNetworkSetup setup = new AgentNetworkSetup(forwardingConfig(), host);
        setup.setup();
        host.commands.clear();
        setup.teardown();
        assertEquals(List.of(
                "ip rule del from 198.18.1.1/32 lookup 100 pref 100",
                "sysctl -q -w net.ipv4.conf.ho-tun0.rp_filter=1",
                "sysctl -q -w net.ipv4.conf.ho-tun0.forwarding=0",
                "nft delete table inet handoff_agent",
                "ip route del blackhole default table 100 metric 4096",
                "ip route del default dev ho-tun0 table 100",
                "ip addr del 198.18.1.1/32 dev lo"), host.changes());
        assertEquals("0", host.sysctls.get("net.ipv4.conf.ho-tun0.forwarding"));
        assertEquals("1", host.sysctls.get("net.ipv4.conf.ho-tun0.rp_filter"));
        assertTrue(host.tuns.contains("ho-tun0"));
    }

    @Test
    void aSysctlAlreadyAsNeededIsNotRecordedAndSurvivesTeardown() throws Exception {
        FakeHost host = new FakeHost();
        host.tunRpFilter = "0";
        AgentNetworkSetup setup = new AgentNetworkSetup(forwardingConfig(), host);
        List<String> actions = setup.setup();
        assertTrue(actions.contains("net.ipv4.conf.ho-tun0.rp_filter=0 present"), actions::toString);
        assertEquals(7, setup.loadState().orElseThrow().created().size());
        host.commands.clear();
        setup.teardown();
        assertFalse(host.changes().stream().anyMatch(l -> l.contains("rp_filter")), host.changes()::toString);
    }

    @Test
    void teardownCountsASysctlOfAVanishedTunAsGone() throws Exception {
        FakeHost host = new FakeHost();
        AgentNetworkSetup setup = new AgentNetworkSetup(forwardingConfig(), host);
        setup.setup();
        host.run("ip", "tuntap", "del", "dev", "ho-tun0", "mode", "tun"); // its sysctls go with it
        List<String> actions = setup.teardown();
        assertTrue(actions.contains("net.ipv4.conf.ho-tun0.forwarding=1 (was 0) already gone"), actions::toString);
        assertFalse(Files.exists(config().stateFile()));
    }

    @Test
    void checkNamesWhatStopsForwardingWithoutStoppingTheAgent() throws Exception {
        FakeHost host = new FakeHost();
        host.listener = true;
        AgentNetworkSetup setup = new AgentNetworkSetup(forwardingConfig(), host);
        setup.setup();

        host.sysctls.put("net.ipv4.conf.ho-tun0.forwarding", "0");
        AgentNetworkSetup.CheckResult r = setup.check();
        assertTrue(r.ok(), "forwarding problems do not stop the agent: it cuts super-segments itself");
        assertEquals(List.of(
                "IPv4 forwarding is off on ho-tun0 (net.ipv4.conf.ho-tun0.forwarding=0): the kernel drops what the agent"
                        + " writes back into it (run `handoff agent setup`, or set link.offload: split)",
                "`ip route get 192.0.2.1 from 198.18.2.1 iif ho-tun0`: RTNETLINK answers: No route to host: the kernel does"
                        + " not forward from ho-tun0 (run `handoff agent setup`, or set link.offload: split)"),
                r.forwardingProblems());
        host.sysctls.put("net.ipv4.conf.ho-tun0.forwarding", "1");

        host.sysctls.put("net.ipv4.conf.all.rp_filter", "1");
        List<String> strict = setup.check().forwardingProblems();
        assertEquals(2, strict.size(), strict::toString);
        assertTrue(strict.get(0).startsWith("strict reverse-path filter on ho-tun0 (net.ipv4.conf.all.rp_filter=1, ho-tun0=0)"));
        assertTrue(strict.get(1).contains("Invalid argument"), strict::toString);

        host.sysctls.put("net.ipv4.conf.all.rp_filter", "2");
        assertEquals(List.of(), setup.check().forwardingProblems(), "loose, with a route covering the VIP");
        host.routeToVip = false;
        List<String> loose = setup.check().forwardingProblems();
        assertTrue(loose.get(0).startsWith("loose reverse-path filter (net.ipv4.conf.all.rp_filter=2) and no route covering"
                + " the VIP 198.18.2.1"), loose::toString);
        host.routeToVip = true;
        host.sysctls.put("net.ipv4.conf.all.rp_filter", "0");

        host.chains.put("inet filter forward forward drop", "table inet filter {\n chain forward { ... policy drop; }\n}");
        host.chains.put("ip filter FORWARD forward accept", "");
        host.chains.put("inet handoff_agent forward_guard forward drop", "");
        List<String> drop = setup.check().forwardingProblems();
        assertEquals(List.of("nftables chain inet filter forward (hook forward, policy drop) would drop the packets forwarded"
                + " from ho-tun0 (add `iifname \"ho-tun0\" ip saddr { 198.18.2.1 } accept` to it, or set link.offload: split)"),
                drop);
        host.chains.put("inet filter forward forward drop", "table inet filter {\n chain forward {\n iifname \"ho-tun0\" accept\n }\n}");
        assertEquals(List.of(), setup.check().forwardingProblems(), "a chain that names the tun is trusted");

        host.iptablesLegacy = "-P INPUT ACCEPT\n-P FORWARD DROP\n-P OUTPUT ACCEPT\n";
        assertEquals(List.of("iptables (legacy) FORWARD policy DROP would drop the packets forwarded from ho-tun0 (add"
                + " `iptables -I FORWARD -i ho-tun0 -j ACCEPT`, or set link.offload: split)"), setup.check().forwardingProblems());
        host.iptablesLegacy = "-P FORWARD DROP\n-A FORWARD -i ho-tun0 -j ACCEPT\n";
        assertEquals(List.of(), setup.check().forwardingProblems());

        host.nftScript = host.nftScript.replace("forward_guard", "something_else");
        assertEquals(List.of("nftables table inet handoff_agent has no forward_guard chain (run `handoff agent setup`, or set"
                + " link.offload: split)"), setup.check().forwardingProblems());
    }

    @Test
    void withoutForwardingNothingOfItIsMadeOrChecked() throws Exception {
        FakeHost host = new FakeHost();
        AgentNetworkSetup setup = new AgentNetworkSetup(config(), host);
        setup.setup();
        assertFalse(host.commands.stream().anyMatch(l -> l.contains("forwarding") || l.contains("rp_filter")), host.commands::toString);
        assertFalse(host.nftScript.contains("forward"), host.nftScript);
        host.commands.clear();
        assertEquals(List.of(), setup.check().forwardingProblems());
        assertFalse(host.commands.stream().anyMatch(l -> l.contains(" iif ") || l.contains("chains")), host.commands::toString);
    }

    @Test
    void nftScriptWithForwardingGuardsWhatLeavesTheTun() {
        String s = new AgentNetworkSetup(forwardingConfig(), new FakeHost()).nftScript();
        assertTrue(s.contains("chain prerouting_notrack {\n        type filter hook prerouting priority raw; policy accept;\n"
                + "        iifname \"ho-tun0\" ip saddr { 198.18.2.1 } meta l4proto tcp notrack"), s);
        assertTrue(s.contains("chain forward_guard {\n        type filter hook forward priority filter; policy accept;\n"
                + "        iifname \"ho-tun0\" ip saddr { 198.18.2.1 } meta l4proto tcp accept"), s);
        assertTrue(s.contains("        iifname \"ho-tun0\" counter drop comment"), s);
        assertTrue(s.indexOf("accept comment") < s.indexOf("counter drop"), "accept the VIP's TCP first, then drop the rest");
    }

    @Test
    void configIsValidatedWithNameAndValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AgentNetworkConfig.of("a-much-too-long-name", "198.18.1.1", List.of(80), List.of("198.18.2.1")));
        assertEquals("tunName=a-much-too-long-name (expected: 1..15 of [A-Za-z0-9_.-])", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> AgentNetworkConfig.of("t", "198.18.1.300", List.of(80), List.of("198.18.2.1")));
        assertEquals("handoffAddress=198.18.1.300 (expected: a dotted IPv4 address such as 198.18.1.1)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> AgentNetworkConfig.of("t", "198.18.1.1", List.of(80), List.of("198.18.1.1")));
        assertTrue(e.getMessage().startsWith("vips contains the hand-off address"));
        e = assertThrows(IllegalArgumentException.class, () -> config().withTable(254, 100));
        assertTrue(e.getMessage().startsWith("table=254"));
    }

    @Test
    void listenerParsing() {
        String ss = "LISTEN 0 511 198.18.1.1:80 0.0.0.0:*\nLISTEN 0 128 0.0.0.0:22 0.0.0.0:*\nLISTEN 0 128 [::]:443 [::]:*\n";
        assertTrue(AgentNetworkSetup.listening(ss, "198.18.1.1", 80));
        assertTrue(AgentNetworkSetup.listening(ss, "198.18.1.1", 22));
        assertTrue(AgentNetworkSetup.listening(ss, "198.18.1.1", 443));
        assertFalse(AgentNetworkSetup.listening(ss, "198.18.1.1", 8080));
        assertFalse(AgentNetworkSetup.listening(ss, "198.18.1.2", 80));
    }

    private interface Action {
        List<String> run() throws Exception;
    }

    private static List<String> changesOf(FakeHost host, Action a) throws Exception {
        a.run();
        return host.changes();
    }
}
