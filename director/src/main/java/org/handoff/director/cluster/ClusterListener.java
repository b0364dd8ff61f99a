package org.handoff.director.cluster;

/**
 * What the director learns from the group, delivered by {@link DirectorCluster#poll} on the
 * one thread that calls it (the director's choice: its control loop, or one worker's duty
 * cycle); JGroups' threads only queue. Flows are other directors' flows (this director's own
 * announcements are not echoed back), plus every flow of the table once after the state
 * transfer of a join. The {@link FlowOwnership} passed is reused: copy what you keep.
 */
public interface ClusterListener {
    /** Why a flow left the table. */
    enum EndCause {
        /** A director announced its end (FIN, RST, idle). */
        ANNOUNCED,
        /** Its owner left the group before handing it off: the client's retransmissions find no state (it retries). */
        OWNER_LEFT,
        /** Its owner left after handing it off, and no director announced its end within {@code cluster.orphan-expiry}. */
        ORPHAN_EXPIRED
    }

    /** Another director terminates this flow: send its packets to {@code flow.owner()}. */
    void onTerminating(FlowOwnership flow);

    /** This flow was handed off: send its packets to {@code flow.agentAddress()} with {@code flow.token()}. */
    void onHandedOff(FlowOwnership flow);

    /** The flow is gone from the table: forget it (the view holds its last state). */
    void onEnded(FlowOwnership flow, EndCause cause);

    /** The SYN-cookie secrets changed (a rotation, or the first secrets of a joiner). */
    void onSynSecrets(SynSecrets secrets);

    /** The group's members changed: the director ids now in the view, this one included. */
    default void onMembers(int[] directorIds) {}
}
