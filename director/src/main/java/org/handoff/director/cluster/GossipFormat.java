package org.handoff.director.cluster;

import org.handoff.protocol.message.HandoffProtocol;

/**
 * The ownership gossip datagram (docs/scale-out.md, "Wire format"): the hand-off protocol's
 * sealed header (docs/handoff-protocol.md section 2) with type 12 (GOSSIP, live announcements)
 * or 13 (GOSSIP_STATE, a chunk of the state a joiner receives), then the sender's director id,
 * a record count and fixed 40-byte records, then the HMAC-SHA256 under the cluster key. Offsets
 * of records are from the record's start; all fields big-endian.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  header: magic, version, type 12|13, length, flags 0,         |  0
 * |  message id, key id, sender timestamp (28 bytes)              |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |      Sender Director Id       |         Record Count          | 28
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                  Record Count x 40-byte records               | 32
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    HMAC-SHA256 (32 bytes)                     |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Flow record (kind 1 STARTED, 2 HANDED_OFF, 3 ENDED):
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |     Kind      |  Family (4)   |       Owner Director Id       |  0
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |          Client Port          |           VIP Port            |  4
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                        Client Address                         |  8
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                          VIP Address                          | 12
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |            Version (hybrid logical clock: ms << 16 | n)       | 16
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                Agent Address (HANDED_OFF, else 0)             | 24
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |     Agent Port (HANDED_OFF)   |  Flags (bit 0 ORPHANED; state) | 28
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                 Flow Token (HANDED_OFF, else 0)               | 32
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Secret record (kind 4 SECRET):
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |   Kind (4)    | Slot (0 cur,  |     Publisher Director Id     |  0
 * |               |  1 previous)  |                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                 Secret Id (1, 2, ... per rotation)            |  4
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                 Version (publisher's clock)                   |  8
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                   Secret (128 bits: k0, k1)                   | 16
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                       Reserved (0)                            | 32
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 *
 * Family is 4 today; IPv6 (issue 17) will be family 6 with its own, longer record (16-byte
 * addresses), which a receiver of this version refuses as a bad body.
 */
final class GossipFormat {
    /** Type codes after the hand-off protocol's 1..11; a hand-off receiver refuses them (UNKNOWN_TYPE). */
    static final int TYPE_GOSSIP = 12;
    static final int TYPE_GOSSIP_STATE = 13;

    static final int SENDER_OFFSET = HandoffProtocol.HEADER_LENGTH;
    static final int COUNT_OFFSET = SENDER_OFFSET + 2;
    static final int FIRST_RECORD_OFFSET = COUNT_OFFSET + 2;
    static final int RECORD_LENGTH = 40;
    /** A datagram without records: header, sender, count, MAC. */
    static final int EMPTY_LENGTH = FIRST_RECORD_OFFSET + HandoffProtocol.MAC_LENGTH;

    static final int KIND_OFFSET = 0;
    static final int FAMILY_OFFSET = 1;
    static final int OWNER_OFFSET = 2;
    static final int CLIENT_PORT_OFFSET = 4;
    static final int VIP_PORT_OFFSET = 6;
    static final int CLIENT_ADDRESS_OFFSET = 8;
    static final int VIP_ADDRESS_OFFSET = 12;
    static final int VERSION_OFFSET = 16;
    static final int AGENT_ADDRESS_OFFSET = 24;
    static final int AGENT_PORT_OFFSET = 28;
    static final int FLAGS_OFFSET = 30;
    static final int TOKEN_OFFSET = 32;

    static final int SECRET_SLOT_OFFSET = 1;
    static final int SECRET_ID_OFFSET = 4;
    static final int SECRET_VERSION_OFFSET = 8;
    static final int SECRET_OFFSET = 16;
    static final int SECRET_RESERVED_OFFSET = 32;

    static final int KIND_STARTED = 1;
    static final int KIND_HANDED_OFF = 2;
    static final int KIND_ENDED = 3;
    static final int KIND_SECRET = 4;

    static final int FAMILY_IPV4 = 4;
    /** In GOSSIP_STATE only: the flow's owner had left the group when the state was taken. */
    static final int FLAG_ORPHANED = 1;

    /** Records per live datagram: 32 + 30 x 40 + 32 = 1264 bytes, one Ethernet frame with JGroups' headers. */
    static final int MAX_LIVE_RECORDS = 30;
    /** Records per state chunk: about 64 KB, FRAG2's 60 KB fragments. */
    static final int MAX_STATE_RECORDS = 1600;

    private GossipFormat() {}

    static int length(int records) {
        return EMPTY_LENGTH + records * RECORD_LENGTH;
    }
}
