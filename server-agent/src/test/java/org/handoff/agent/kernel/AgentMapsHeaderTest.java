package org.handoff.agent.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The Java mirror against bpf/src/main/c/agent_maps.h itself: every field offset and struct
 * length the header asserts (its {@code AGENT_LAYOUT}/{@code AGENT_SIZE} lines, which the
 * compiler holds the C structs to), the counter enum's order, and the flag values. A field moved
 * on one side only fails here, without a kernel.
 */
class AgentMapsHeaderTest {
    private static final Path HEADER = Path.of("..", "bpf", "src", "main", "c", "agent_maps.h");

    private static String header() throws IOException {
        return Files.readString(HEADER);
    }

    /** struct -> field -> offset, from the header's AGENT_LAYOUT lines. */
    private static Map<String, Map<String, Integer>> layouts(String text) {
        Map<String, Map<String, Integer>> out = new LinkedHashMap<>();
        Matcher m = Pattern.compile("(?m)^AGENT_LAYOUT\\((\\w+), (\\w+), (\\d+)\\);").matcher(text);
        while (m.find()) {
            out.computeIfAbsent(m.group(1), k -> new LinkedHashMap<>()).put(m.group(2), Integer.parseInt(m.group(3)));
        }
        return out;
    }

    private static int size(String text, String struct) {
        Matcher m = Pattern.compile("(?m)^AGENT_SIZE\\(" + struct + ", (\\d+)\\);").matcher(text);
        assertTrue(m.find(), "AGENT_SIZE(" + struct + ", ...) in " + HEADER);
        return Integer.parseInt(m.group(1));
    }

    private static int define(String text, String name) {
        Matcher m = Pattern.compile("(?m)^#define " + name + "\\s+(0x[0-9a-fA-F]+|\\d+)").matcher(text);
        assertTrue(m.find(), "#define " + name + " in " + HEADER);
        return Integer.decode(m.group(1));
    }

    @Test
    void everyFieldOffsetAndLengthIsTheHeaders() throws IOException {
        String text = header();
        Map<String, Map<String, Integer>> c = layouts(text);
        assertEquals(Map.of("server_addr", EgressFlowKey.SERVER_ADDRESS_OFFSET, "client_addr", EgressFlowKey.CLIENT_ADDRESS_OFFSET,
                "server_port", EgressFlowKey.SERVER_PORT_OFFSET, "client_port", EgressFlowKey.CLIENT_PORT_OFFSET),
                c.get("agent_egress_key"));
        assertEquals(EgressFlowKey.LENGTH, size(text, "agent_egress_key"));

        Map<String, Integer> egressValue = new LinkedHashMap<>();
        egressValue.put("vip_addr", EgressFlowValue.VIP_ADDRESS_OFFSET);
        egressValue.put("vip_port", EgressFlowValue.VIP_PORT_OFFSET);
        egressValue.put("flags", EgressFlowValue.FLAGS_OFFSET);
        egressValue.put("server_shift", EgressFlowValue.SERVER_SHIFT_OFFSET);
        egressValue.put("director_shift", EgressFlowValue.DIRECTOR_SHIFT_OFFSET);
        egressValue.put("reserved", EgressFlowValue.RESERVED_OFFSET);
        egressValue.put("seq_offset", EgressFlowValue.SEQ_OFFSET_OFFSET);
        egressValue.put("ts_offset", EgressFlowValue.TS_OFFSET_OFFSET);
        egressValue.put("ts_floor", EgressFlowValue.TS_FLOOR_OFFSET);
        egressValue.put("sent", EgressFlowValue.SENT_OFFSET);
        egressValue.put("acked", EgressFlowValue.ACKED_OFFSET);
        assertEquals(egressValue, c.get("agent_egress_value"));
        assertEquals(EgressFlowValue.LENGTH, size(text, "agent_egress_value"));

        assertEquals(Map.of("client_addr", IngressFlowKey.CLIENT_ADDRESS_OFFSET, "vip_addr", IngressFlowKey.VIP_ADDRESS_OFFSET,
                "client_port", IngressFlowKey.CLIENT_PORT_OFFSET, "vip_port", IngressFlowKey.VIP_PORT_OFFSET),
                c.get("agent_ingress_key"));
        assertEquals(IngressFlowKey.LENGTH, size(text, "agent_ingress_key"));

        assertEquals(Map.of("token", IngressFlowValue.TOKEN_OFFSET, "server_addr", IngressFlowValue.SERVER_ADDRESS_OFFSET,
                "server_port", IngressFlowValue.SERVER_PORT_OFFSET, "flags", IngressFlowValue.FLAGS_OFFSET,
                "reserved", IngressFlowValue.RESERVED_OFFSET, "seq_offset", IngressFlowValue.SEQ_OFFSET_OFFSET,
                "ts_offset", IngressFlowValue.TS_OFFSET_OFFSET), c.get("agent_ingress_value"));
        assertEquals(IngressFlowValue.LENGTH, size(text, "agent_ingress_value"));

        assertEquals(Map.of("tunnel_port", AgentKernelConfig.TUNNEL_PORT_OFFSET, "egress_mode", AgentKernelConfig.EGRESS_MODE_OFFSET,
                "reserved", AgentKernelConfig.RESERVED_OFFSET, "tun_ifindex", AgentKernelConfig.TUN_IFINDEX_OFFSET),
                c.get("agent_config"));
        assertEquals(AgentKernelConfig.LENGTH, size(text, "agent_config"));
        assertEquals(5, c.size(), "structs with AGENT_LAYOUT lines: " + c.keySet());
    }

    @Test
    void flagsAndStateBitsAreTheHeaders() throws IOException {
        String text = header();
        assertEquals(define(text, "AGENT_FLOW_TIMESTAMPS"), EgressFlowValue.FLAG_TIMESTAMPS);
        assertEquals(define(text, "AGENT_FLOW_TIMESTAMPS"), IngressFlowValue.FLAG_TIMESTAMPS);
        assertEquals(define(text, "AGENT_FLOW_CONTROL_TO_AGENT"), EgressFlowValue.FLAG_CONTROL_TO_AGENT);
        assertEquals(define(text, "AGENT_ACKED_FLAGS_SHIFT"), EgressFlowValue.ACKED_FLAGS_SHIFT);
    }

    @Test
    void counterIndicesAreTheHeadersEnumInOrder() throws IOException {
        String text = header();
        String body = text.substring(text.indexOf("enum agent_counter {"), text.indexOf("AGENT_COUNTER_COUNT"));
        List<String> c = new ArrayList<>();
        Matcher m = Pattern.compile("(?m)^\\s*AGENT_(\\w+)(?: = 0)?,").matcher(body);
        while (m.find()) {
            c.add(m.group(1));
        }
        assertEquals(c, Arrays.stream(AgentKernelCounter.values()).map(Enum::name).toList());
    }

    @Test
    void egressModesAreTheHeadersEnumInOrder() throws IOException {
        String text = header();
        int start = text.indexOf("enum agent_egress_mode {");
        String body = text.substring(start, text.indexOf("};", start));
        List<String> c = new ArrayList<>();
        Matcher m = Pattern.compile("(?m)^\\s*AGENT_EGRESS_(\\w+) = (\\d+),").matcher(body);
        while (m.find()) {
            assertEquals(c.size(), Integer.parseInt(m.group(2)), m.group(1));
            c.add(m.group(1));
        }
        assertEquals(c, Arrays.stream(AgentKernelConfig.EgressMode.values()).map(Enum::name).toList());
    }
}
