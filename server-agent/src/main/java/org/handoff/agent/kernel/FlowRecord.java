package org.handoff.agent.kernel;

import java.nio.ByteBuffer;
import org.handoff.bpf.MapBytes;
import org.handoff.bpf.MapRecord;

/**
 * View of {@code struct agent_flow_record} (bpf/src/main/c/agent_maps.h): what the agent knows of a
 * flow beyond its two rewrite entries, pinned beside them in {@code agent_flow_records} (keyed like
 * the ingress map) so a restarted agent rebuilds the flow (docs/kernel-datapath.md, "Restarts"). No
 * program reads it. 64 bytes; addresses and ports in network order, the rest in the host's order.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                  HANDOFF message id (u64)                     |  0
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |            Started, wall-clock milliseconds (u64)             |  8
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                Director address (network order)               | 16
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |     Director port (network)   |        Client window          | 20
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |   Client ISN | Director ISN | Server ISN | Request length      | 24..39
 * |   Director TSval | SYN-ACK TSval | TS.Recent                   | 40..51
 * |   Client MSS | Stack MSS | attempt | client shift (0xff: none) | 52..57
 * |   ws | wd | flags | reserved (3)                              | 58..63
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * flags: 0x01 SACK permitted, 0x02 timestamps on A, 0x04 timestamps on B, 0x08 scaling on B.
 * </pre>
 */
public final class FlowRecord extends MapRecord {
    public static final int HANDOFF_ID_OFFSET = 0;
    public static final int STARTED_MS_OFFSET = 8;
    public static final int DIRECTOR_ADDRESS_OFFSET = 16;
    public static final int DIRECTOR_PORT_OFFSET = 20;
    public static final int CLIENT_WINDOW_OFFSET = 22;
    public static final int CLIENT_ISN_OFFSET = 24;
    public static final int DIRECTOR_ISN_OFFSET = 28;
    public static final int SERVER_ISN_OFFSET = 32;
    public static final int REQUEST_LENGTH_OFFSET = 36;
    public static final int DIRECTOR_TSVAL_OFFSET = 40;
    public static final int SYN_ACK_TSVAL_OFFSET = 44;
    public static final int TS_RECENT_OFFSET = 48;
    public static final int CLIENT_MSS_OFFSET = 52;
    public static final int STACK_MSS_OFFSET = 54;
    public static final int ATTEMPT_OFFSET = 56;
    public static final int CLIENT_SHIFT_OFFSET = 57;
    public static final int STACK_SHIFT_OFFSET = 58;
    public static final int DIRECTOR_SHIFT_OFFSET = 59;
    public static final int FLAGS_OFFSET = 60;
    public static final int RESERVED_OFFSET = 61;
    public static final int RESERVED_LENGTH = 3;
    public static final int LENGTH = 64;

    /** {@code AGENT_RECORD_SACK_PERMITTED} */
    public static final int FLAG_SACK_PERMITTED = 0x01;
    /** {@code AGENT_RECORD_TIMESTAMPS}: on connection A */
    public static final int FLAG_TIMESTAMPS = 0x02;
    /** {@code AGENT_RECORD_TIMESTAMPS_ON_B} */
    public static final int FLAG_TIMESTAMPS_ON_B = 0x04;
    /** {@code AGENT_RECORD_SCALING_ON_B} */
    public static final int FLAG_SCALING_ON_B = 0x08;
    /** {@code client_shift} without window scaling on A. */
    public static final int NO_SHIFT = 0xff;

    public FlowRecord wrap(ByteBuffer buffer) {
        point(buffer, 0, LENGTH, "agent_flow_record");
        return this;
    }

    /** Fills the whole record from a {@link KernelFlowEntry}; {@code startedMillis}: wall-clock time of its HANDOFF. */
    public FlowRecord entry(KernelFlowEntry e, long startedMillis) {
        MapBytes.putHostI64(buffer, HANDOFF_ID_OFFSET, e.handoffId);
        MapBytes.putHostI64(buffer, STARTED_MS_OFFSET, startedMillis);
        MapBytes.putWireI32(buffer, DIRECTOR_ADDRESS_OFFSET, e.directorAddress);
        MapBytes.putWireU16(buffer, DIRECTOR_PORT_OFFSET, e.directorPort);
        MapBytes.putHostU16(buffer, CLIENT_WINDOW_OFFSET, e.clientWindow);
        MapBytes.putHostI32(buffer, CLIENT_ISN_OFFSET, e.clientIsn);
        MapBytes.putHostI32(buffer, DIRECTOR_ISN_OFFSET, e.directorIsn);
        MapBytes.putHostI32(buffer, SERVER_ISN_OFFSET, e.serverIsn);
        MapBytes.putHostI32(buffer, REQUEST_LENGTH_OFFSET, e.requestLength);
        MapBytes.putHostI32(buffer, DIRECTOR_TSVAL_OFFSET, e.directorTsVal);
        MapBytes.putHostI32(buffer, SYN_ACK_TSVAL_OFFSET, e.synAckTsVal);
        MapBytes.putHostI32(buffer, TS_RECENT_OFFSET, e.tsRecent);
        MapBytes.putHostU16(buffer, CLIENT_MSS_OFFSET, e.clientMss);
        MapBytes.putHostU16(buffer, STACK_MSS_OFFSET, e.stackMss);
        MapBytes.putU8(buffer, ATTEMPT_OFFSET, e.attempt);
        MapBytes.putU8(buffer, CLIENT_SHIFT_OFFSET, e.clientShift < 0 ? NO_SHIFT : e.clientShift);
        MapBytes.putU8(buffer, STACK_SHIFT_OFFSET, e.stackShift);
        MapBytes.putU8(buffer, DIRECTOR_SHIFT_OFFSET, e.directorShift);
        MapBytes.putU8(buffer, FLAGS_OFFSET, (e.sackPermitted ? FLAG_SACK_PERMITTED : 0) | (e.timestamps ? FLAG_TIMESTAMPS : 0)
                | (e.timestampsOnB ? FLAG_TIMESTAMPS_ON_B : 0) | (e.scalingOnB ? FLAG_SCALING_ON_B : 0));
        for (int i = 0; i < RESERVED_LENGTH; i++) {
            MapBytes.putU8(buffer, RESERVED_OFFSET + i, 0);
        }
        return this;
    }

    /**
     * Copies the record into {@code e} but its start time ({@link #startedMillis()}: the caller
     * converts it to its clock); the transform, token and state come from the other two entries.
     */
    public void readInto(KernelFlowEntry e) {
        e.handoffId = MapBytes.hostI64(buffer, HANDOFF_ID_OFFSET);
        e.directorAddress = MapBytes.wireI32(buffer, DIRECTOR_ADDRESS_OFFSET);
        e.directorPort = MapBytes.wireU16(buffer, DIRECTOR_PORT_OFFSET);
        e.clientWindow = MapBytes.hostU16(buffer, CLIENT_WINDOW_OFFSET);
        e.clientIsn = MapBytes.hostI32(buffer, CLIENT_ISN_OFFSET);
        e.directorIsn = MapBytes.hostI32(buffer, DIRECTOR_ISN_OFFSET);
        e.serverIsn = MapBytes.hostI32(buffer, SERVER_ISN_OFFSET);
        e.requestLength = MapBytes.hostI32(buffer, REQUEST_LENGTH_OFFSET);
        e.directorTsVal = MapBytes.hostI32(buffer, DIRECTOR_TSVAL_OFFSET);
        e.synAckTsVal = MapBytes.hostI32(buffer, SYN_ACK_TSVAL_OFFSET);
        e.tsRecent = MapBytes.hostI32(buffer, TS_RECENT_OFFSET);
        e.clientMss = MapBytes.hostU16(buffer, CLIENT_MSS_OFFSET);
        e.stackMss = MapBytes.hostU16(buffer, STACK_MSS_OFFSET);
        e.attempt = MapBytes.u8(buffer, ATTEMPT_OFFSET);
        int clientShift = MapBytes.u8(buffer, CLIENT_SHIFT_OFFSET);
        e.clientShift = clientShift == NO_SHIFT ? -1 : clientShift;
        e.stackShift = MapBytes.u8(buffer, STACK_SHIFT_OFFSET);
        e.directorShift = MapBytes.u8(buffer, DIRECTOR_SHIFT_OFFSET);
        int flags = MapBytes.u8(buffer, FLAGS_OFFSET);
        e.sackPermitted = (flags & FLAG_SACK_PERMITTED) != 0;
        e.timestamps = (flags & FLAG_TIMESTAMPS) != 0;
        e.timestampsOnB = (flags & FLAG_TIMESTAMPS_ON_B) != 0;
        e.scalingOnB = (flags & FLAG_SCALING_ON_B) != 0;
    }

    /** Wall-clock milliseconds of the flow's HANDOFF. */
    public long startedMillis() {
        return MapBytes.hostI64(buffer, STARTED_MS_OFFSET);
    }

    public long handoffId() {
        return MapBytes.hostI64(buffer, HANDOFF_ID_OFFSET);
    }

    @Override
    public String toString() {
        return "agent_flow_record[id=0x" + Long.toHexString(handoffId()) + " isn=" + Integer.toUnsignedString(
                MapBytes.hostI32(buffer, CLIENT_ISN_OFFSET)) + " server_isn=" + Integer.toUnsignedString(
                MapBytes.hostI32(buffer, SERVER_ISN_OFFSET)) + "]";
    }
}
