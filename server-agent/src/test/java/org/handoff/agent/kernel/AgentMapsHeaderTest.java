package org.handoff.agent.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.handoff.bpf.CHeader;
import org.junit.jupiter.api.Test;

/**
 * The Java mirror against bpf/src/main/c/agent_maps.h itself: every field offset and struct
 * length the header asserts (its {@code AGENT_LAYOUT}/{@code AGENT_SIZE} lines, which the
 * compiler holds the C structs to), the counter enum's order, and the flag values. A field moved
 * on one side only fails here, without a kernel.
 */
class AgentMapsHeaderTest {
    private static CHeader header() throws IOException {
        return CHeader.read("agent_maps.h");
    }

    @Test
    void everyFieldOffsetAndLengthIsTheHeaders() throws IOException {
        CHeader h = header();
        Map<String, Map<String, Integer>> c = h.layoutAsserts("AGENT_LAYOUT");
        assertEquals(Map.of("server_addr", EgressFlowKey.SERVER_ADDRESS_OFFSET, "client_addr", EgressFlowKey.CLIENT_ADDRESS_OFFSET,
                "server_port", EgressFlowKey.SERVER_PORT_OFFSET, "client_port", EgressFlowKey.CLIENT_PORT_OFFSET),
                c.get("agent_egress_key"));
        assertEquals(EgressFlowKey.LENGTH, h.sizeAssert("AGENT_SIZE", "agent_egress_key"));

        Map<String, Integer> egressValue = new LinkedHashMap<>();
        egressValue.put("vip_addr", EgressFlowValue.VIP_ADDRESS_OFFSET);
        egressValue.put("vip_port", EgressFlowValue.VIP_PORT_OFFSET);
        egressValue.put("flags", EgressFlowValue.FLAGS_OFFSET);
        egressValue.put("server_shift", EgressFlowValue.SERVER_SHIFT_OFFSET);
        egressValue.put("director_shift", EgressFlowValue.DIRECTOR_SHIFT_OFFSET);
        egressValue.put("client_fin", EgressFlowValue.CLIENT_FIN_OFFSET);
        egressValue.put("reserved", EgressFlowValue.RESERVED_OFFSET);
        egressValue.put("seq_offset", EgressFlowValue.SEQ_OFFSET_OFFSET);
        egressValue.put("ts_offset", EgressFlowValue.TS_OFFSET_OFFSET);
        egressValue.put("ts_floor", EgressFlowValue.TS_FLOOR_OFFSET);
        egressValue.put("sent", EgressFlowValue.SENT_OFFSET);
        egressValue.put("acked", EgressFlowValue.ACKED_OFFSET);
        assertEquals(egressValue, c.get("agent_egress_value"));
        assertEquals(EgressFlowValue.LENGTH, h.sizeAssert("AGENT_SIZE", "agent_egress_value"));

        assertEquals(Map.of("client_addr", IngressFlowKey.CLIENT_ADDRESS_OFFSET, "vip_addr", IngressFlowKey.VIP_ADDRESS_OFFSET,
                "client_port", IngressFlowKey.CLIENT_PORT_OFFSET, "vip_port", IngressFlowKey.VIP_PORT_OFFSET),
                c.get("agent_ingress_key"));
        assertEquals(IngressFlowKey.LENGTH, h.sizeAssert("AGENT_SIZE", "agent_ingress_key"));

        assertEquals(Map.of("token", IngressFlowValue.TOKEN_OFFSET, "server_addr", IngressFlowValue.SERVER_ADDRESS_OFFSET,
                "server_port", IngressFlowValue.SERVER_PORT_OFFSET, "flags", IngressFlowValue.FLAGS_OFFSET,
                "reserved", IngressFlowValue.RESERVED_OFFSET, "seq_offset", IngressFlowValue.SEQ_OFFSET_OFFSET,
                "ts_offset", IngressFlowValue.TS_OFFSET_OFFSET, "delivered", IngressFlowValue.DELIVERED_OFFSET,
                "client_close", IngressFlowValue.CLIENT_CLOSE_OFFSET, "server_close", IngressFlowValue.SERVER_CLOSE_OFFSET),
                c.get("agent_ingress_value"));
        assertEquals(IngressFlowValue.LENGTH, h.sizeAssert("AGENT_SIZE", "agent_ingress_value"));

        assertEquals(Map.of("key", AgentEvent.KEY_OFFSET, "kind", AgentEvent.KIND_OFFSET), c.get("agent_event"));
        assertEquals(AgentEvent.LENGTH, h.sizeAssert("AGENT_SIZE", "agent_event"));

        assertEquals(Map.of("tunnel_port", AgentKernelConfig.TUNNEL_PORT_OFFSET, "egress_mode", AgentKernelConfig.EGRESS_MODE_OFFSET,
                "reserved", AgentKernelConfig.RESERVED_OFFSET, "tun_ifindex", AgentKernelConfig.TUN_IFINDEX_OFFSET,
                "hold_until_ns", AgentKernelConfig.HOLD_UNTIL_OFFSET),
                c.get("agent_config"));
        assertEquals(AgentKernelConfig.LENGTH, h.sizeAssert("AGENT_SIZE", "agent_config"));
        Map<String, Integer> record = new HashMap<>();
        record.put("handoff_id", FlowRecord.HANDOFF_ID_OFFSET);
        record.put("started_ms", FlowRecord.STARTED_MS_OFFSET);
        record.put("director_addr", FlowRecord.DIRECTOR_ADDRESS_OFFSET);
        record.put("director_port", FlowRecord.DIRECTOR_PORT_OFFSET);
        record.put("client_window", FlowRecord.CLIENT_WINDOW_OFFSET);
        record.put("client_isn", FlowRecord.CLIENT_ISN_OFFSET);
        record.put("director_isn", FlowRecord.DIRECTOR_ISN_OFFSET);
        record.put("server_isn", FlowRecord.SERVER_ISN_OFFSET);
        record.put("request_len", FlowRecord.REQUEST_LENGTH_OFFSET);
        record.put("director_tsval", FlowRecord.DIRECTOR_TSVAL_OFFSET);
        record.put("syn_ack_tsval", FlowRecord.SYN_ACK_TSVAL_OFFSET);
        record.put("ts_recent", FlowRecord.TS_RECENT_OFFSET);
        record.put("client_mss", FlowRecord.CLIENT_MSS_OFFSET);
        record.put("stack_mss", FlowRecord.STACK_MSS_OFFSET);
        record.put("attempt", FlowRecord.ATTEMPT_OFFSET);
        record.put("client_shift", FlowRecord.CLIENT_SHIFT_OFFSET);
        record.put("stack_shift", FlowRecord.STACK_SHIFT_OFFSET);
        record.put("director_shift", FlowRecord.DIRECTOR_SHIFT_OFFSET);
        record.put("flags", FlowRecord.FLAGS_OFFSET);
        record.put("reserved", FlowRecord.RESERVED_OFFSET);
        assertEquals(record, c.get("agent_flow_record"));
        assertEquals(FlowRecord.LENGTH, h.sizeAssert("AGENT_SIZE", "agent_flow_record"));
        assertEquals(7, c.size(), "structs with AGENT_LAYOUT lines: " + c.keySet());
    }

    @Test
    void flagsAndStateBitsAreTheHeaders() throws IOException {
        CHeader h = header();
        assertEquals(h.define("AGENT_FLOW_TIMESTAMPS"), EgressFlowValue.FLAG_TIMESTAMPS);
        assertEquals(h.define("AGENT_FLOW_TIMESTAMPS"), IngressFlowValue.FLAG_TIMESTAMPS);
        assertEquals(h.define("AGENT_FLOW_CONTROL_TO_AGENT"), EgressFlowValue.FLAG_CONTROL_TO_AGENT);
        assertEquals(h.define("AGENT_ACKED_FLAGS_SHIFT"), EgressFlowValue.ACKED_FLAGS_SHIFT);
        assertEquals(h.define("AGENT_RECORD_SACK_PERMITTED"), FlowRecord.FLAG_SACK_PERMITTED);
        assertEquals(h.define("AGENT_RECORD_TIMESTAMPS"), FlowRecord.FLAG_TIMESTAMPS);
        assertEquals(h.define("AGENT_RECORD_TIMESTAMPS_ON_B"), FlowRecord.FLAG_TIMESTAMPS_ON_B);
        assertEquals(h.define("AGENT_RECORD_SCALING_ON_B"), FlowRecord.FLAG_SCALING_ON_B);
        assertEquals(1L << shiftOf(h, "AGENT_CLOSE_FIN"), IngressFlowValue.CLOSE_FIN);
        assertEquals(1L << shiftOf(h, "AGENT_CLOSE_ACKED"), IngressFlowValue.CLOSE_ACKED);
        assertEquals(1L << shiftOf(h, "AGENT_CLOSE_REPORTED"), IngressFlowValue.CLOSE_REPORTED);
        assertEquals(List.of("AGENT_EVENT_CLOSED = " + AgentEvent.KIND_CLOSED), h.enumerators("agent_event_kind"));
    }

    /** N of {@code #define name (1ULL << N)}. */
    private static int shiftOf(CHeader h, String name) {
        Matcher m = Pattern.compile("(?m)^#define " + name + "\\s+\\(1ULL << (\\d+)\\)").matcher(h.text());
        assertTrue(m.find(), "#define " + name + " (1ULL << N) in agent_maps.h");
        return Integer.parseInt(m.group(1));
    }

    @Test
    void counterIndicesAreTheHeadersEnumInOrder() throws IOException {
        List<String> c = new ArrayList<>(header().enumerators("agent_counter"));
        assertEquals("AGENT_COUNTER_COUNT", c.remove(c.size() - 1));
        // AGENT_ and an explicit "= 0" off; any other value stays and fails the comparison.
        assertEquals(c.stream().map(e -> e.replaceFirst("^AGENT_", "").replaceFirst(" = 0$", "")).toList(),
                Arrays.stream(AgentKernelCounter.values()).map(Enum::name).toList());
    }

    @Test
    void egressModesAreTheHeadersEnumInOrder() throws IOException {
        // Each with its value written out, the Java enum's ordinal.
        assertEquals(Arrays.stream(AgentKernelConfig.EgressMode.values()).map(m -> "AGENT_EGRESS_" + m.name() + " = " + m.ordinal()).toList(),
                header().enumerators("agent_egress_mode"));
    }
}
