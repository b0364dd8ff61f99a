package org.handoff.protocol.message;

import java.net.InetAddress;
import org.handoff.protocol.wire.Bytes;

/**
 * View over a message whose body starts with a flow identity (every type but HEARTBEAT): the
 * common header, then the identity at offset 28 (layout in {@link FlowIdentity}).
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                 Common header (28 bytes)                      |  0
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Family (4|6) | Reserved (0)  |          Client Port          | 28
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |           VIP Port            |         Reserved (0)          | 32
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                  Client Address (16 bytes)                    | 36
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                   VIP Address (16 bytes)                      | 52
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                  Type-specific body ...                       | 68
 * </pre>
 */
public class FlowMessageFlyweight extends MessageHeaderFlyweight {
    public static final int FLOW_OFFSET = BODY_OFFSET;
    public static final int FAMILY_OFFSET = FLOW_OFFSET + FlowIdentity.FAMILY_OFFSET;
    public static final int CLIENT_PORT_OFFSET = FLOW_OFFSET + FlowIdentity.CLIENT_PORT_OFFSET;
    public static final int VIP_PORT_OFFSET = FLOW_OFFSET + FlowIdentity.VIP_PORT_OFFSET;
    public static final int CLIENT_ADDRESS_OFFSET = FLOW_OFFSET + FlowIdentity.CLIENT_ADDRESS_OFFSET;
    public static final int VIP_ADDRESS_OFFSET = FLOW_OFFSET + FlowIdentity.VIP_ADDRESS_OFFSET;
    /** First byte after the flow identity, where type-specific fields start. */
    public static final int FLOW_END_OFFSET = FLOW_OFFSET + FlowIdentity.ENCODED_LENGTH;

    @Override
    public FlowMessageFlyweight wrap(byte[] buffer, int offset) {
        super.wrap(buffer, offset);
        return this;
    }

    public AddressFamily family() {
        return AddressFamily.fromCode(Bytes.u8(buffer, offset + FAMILY_OFFSET));
    }

    public int clientPort() {
        return Bytes.u16(buffer, offset + CLIENT_PORT_OFFSET);
    }

    public int vipPort() {
        return Bytes.u16(buffer, offset + VIP_PORT_OFFSET);
    }

    /** The client's IPv4 address as 32 bits; meaningful when {@link #family()} is IPV4. */
    public int clientIpv4() {
        return Bytes.i32(buffer, offset + CLIENT_ADDRESS_OFFSET);
    }

    /** The VIP's IPv4 address as 32 bits; meaningful when {@link #family()} is IPV4. */
    public int vipIpv4() {
        return Bytes.i32(buffer, offset + VIP_ADDRESS_OFFSET);
    }

    /** Allocates; for the control path and logs. */
    public InetAddress clientAddress() {
        return AddressFields.read(family(), buffer, offset + CLIENT_ADDRESS_OFFSET);
    }

    /** Allocates; for the control path and logs. */
    public InetAddress vipAddress() {
        return AddressFields.read(family(), buffer, offset + VIP_ADDRESS_OFFSET);
    }

    /** The flow as a value (allocates). */
    public FlowIdentity flowIdentity() {
        return FlowIdentity.decode(buffer, offset + FLOW_OFFSET);
    }

    public FlowMessageFlyweight flowIdentity(FlowIdentity flow) {
        flow.encode(buffer, offset + FLOW_OFFSET);
        return this;
    }

    /** Whether this message is about {@code flow}; no allocation. */
    public boolean isFlow(FlowIdentity flow) {
        return flow.matches(buffer, offset + FLOW_OFFSET);
    }

    /** Body checks of the subclass after the flow identity's; {@code length} is the datagram length. */
    @Override
    boolean checkBody(int length, DecodeFailure failure) {
        return FlowIdentity.check(buffer, offset, FLOW_OFFSET, failure);
    }

    @Override
    public String toString() {
        AddressFamily family = family();
        String flow = family == null ? "flow{bad family}" : FlowIdentity.toString(family, clientAddress(), clientPort())
                + "->" + FlowIdentity.toString(family, vipAddress(), vipPort());
        return super.toString() + " " + flow;
    }
}
