package org.handoff.director.cluster;

import java.util.ArrayList;
import java.util.List;

/** Keeps every event as text, in order: what a director's listener would have been told. */
class RecordingListener implements ClusterListener {
    final List<String> events = new ArrayList<>();
    SynSecrets secrets;
    int[] members;

    @Override
    public void onTerminating(FlowOwnership flow) {
        events.add("terminating " + key(flow) + " owner=" + flow.owner());
    }

    @Override
    public void onHandedOff(FlowOwnership flow) {
        events.add("handed-off " + key(flow) + " owner=" + flow.owner() + " agent=" + FlowOwnership.ip(flow.agentAddress()) + ":"
                + flow.agentPort() + " token=" + Long.toHexString(flow.token()));
    }

    @Override
    public void onEnded(FlowOwnership flow, EndCause cause) {
        events.add("ended " + key(flow) + " " + cause + " was=" + flow.state() + " owner=" + flow.owner());
    }

    @Override
    public void onSynSecrets(SynSecrets s) {
        secrets = s;
    }

    @Override
    public void onMembers(int[] ids) {
        members = ids;
    }

    static String key(FlowOwnership f) {
        return FlowOwnership.ip(f.clientAddress()) + ":" + f.clientPort() + ">" + FlowOwnership.ip(f.vipAddress()) + ":" + f.vipPort();
    }
}
