package org.handoff.agent.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.handoff.agent.config.AgentConfig;
import org.handoff.agent.config.AgentConfigLoader;
import org.junit.jupiter.api.Test;

/**
 * {@code datapath} applied where the kernel path cannot run (no namespace, nothing attached): the
 * uplink is found by the listen address or named by {@code kernel.uplink}; {@code auto} falls back
 * to the user path with the reason, {@code kernel} refuses with it, {@code user} does not try.
 * AgentNetnsTest runs the kernel path that can.
 */
class AgentDatapathTest {
    private static AgentConfig config(String listen, String datapath, String kernel) throws Exception {
        return config(listen, datapath, kernel, "");
    }

    private static AgentConfig config(String listen, String datapath, String kernel, String more) throws Exception {
        return AgentConfigLoader.AGENT.parse(String.join("\n", "listen: " + listen, "key-file: keys.conf",
                "handoff-address: 198.18.10.11", "services: [80]", "vips: [198.18.1.1]", "datapath: " + datapath,
                kernel == null ? "" : "kernel: " + kernel, more, ""), Path.of("/nonexistent/agent.yaml"));
    }

    @Test
    void theUplinkIsTheInterfaceHoldingTheListenAddress() throws Exception {
        assertEquals("lo", AgentDatapath.uplink(config("127.0.0.1:7070", "auto", null)));
        assertEquals("eth7", AgentDatapath.uplink(config("127.0.0.1:7070", "auto", "{ uplink: eth7 }")));
        AgentDatapath.DatapathException e = assertThrows(AgentDatapath.DatapathException.class,
                () -> AgentDatapath.uplink(config("0.0.0.0:7070", "kernel", null)));
        assertEquals("kernel.uplink: no interface holds the listen address 0.0.0.0 (expected: kernel.uplink set to the"
                + " interface TUNNELs arrive on)", e.getMessage());
        e = assertThrows(AgentDatapath.DatapathException.class,
                () -> AgentDatapath.uplink(config("198.51.100.7:7070", "kernel", null)));
        assertTrue(e.getMessage().startsWith("kernel.uplink: no interface holds the listen address 198.51.100.7"), e.getMessage());
    }

    @Test
    void autoFallsBackWithTheReasonKernelRefusesWithItUserDoesNotTry() throws Exception {
        AgentDatapath.Choice auto = AgentDatapath.choose(config("0.0.0.0:7070", "auto", null), 7070);
        assertFalse(auto.kernel());
        assertNull(auto.datapath());
        assertEquals("user", auto.mode());
        assertEquals("datapath: auto, but kernel.uplink: no interface holds the listen address 0.0.0.0 (expected:"
                + " kernel.uplink set to the interface TUNNELs arrive on)", auto.reason());

        AgentDatapath.DatapathException e = assertThrows(AgentDatapath.DatapathException.class,
                () -> AgentDatapath.choose(config("127.0.0.1:7070", "kernel", "{ uplink: no-such-if0 }"), 7070));
        assertTrue(e.getMessage().startsWith("kernel.uplink: no interface no-such-if0 here"), e.getMessage());

        AgentDatapath.Choice user = AgentDatapath.choose(config("0.0.0.0:7070", "user", null), 7070);
        assertEquals("datapath: user", user.reason());
        assertFalse(user.kernel());
    }

    @Test
    void aMissingTunIsNamedByItsKey() throws Exception {
        AgentDatapath.DatapathException e = assertThrows(AgentDatapath.DatapathException.class,
                () -> AgentDatapath.choose(config("127.0.0.1:7070", "kernel", null, "link: { tun: ho-missing9 }"), 7070));
        assertTrue(e.getMessage().startsWith("link.tun: no interface ho-missing9 here"), e.getMessage());
    }
}
