package org.handoff.agent.kernel;

import java.nio.ByteBuffer;
import java.util.function.Consumer;
import org.handoff.protocol.transform.FlowTransform;

/**
 * {@link KernelFlows} over the agent's three flow maps ({@code agent_egress_flows},
 * {@code agent_ingress_flows}, {@code agent_flow_records}), through the views of
 * bpf/src/main/c/agent_maps.h. Its key and value buffers are allocated once: a flow event allocates
 * nothing here. One per worker (the buffers are its own); the maps may be shared.
 */
public final class MapKernelFlows implements KernelFlows {
    private final FlowMap egress;
    private final FlowMap ingress;
    private final FlowMap records;
    private final EgressFlowKey egressKey = new EgressFlowKey().wrap(ByteBuffer.allocateDirect(EgressFlowKey.LENGTH));
    private final EgressFlowValue egressValue = new EgressFlowValue().wrap(ByteBuffer.allocateDirect(EgressFlowValue.LENGTH));
    private final IngressFlowKey ingressKey = new IngressFlowKey().wrap(ByteBuffer.allocateDirect(IngressFlowKey.LENGTH));
    private final IngressFlowValue ingressValue = new IngressFlowValue().wrap(ByteBuffer.allocateDirect(IngressFlowValue.LENGTH));
    private final FlowRecord record = new FlowRecord().wrap(ByteBuffer.allocateDirect(FlowRecord.LENGTH));

    /** Wall-clock milliseconds minus the engine's clock in milliseconds: records keep wall-clock time across runs. */
    private final long wallMinusEngineMillis;

    /**
     * @param engineNanos the engines' clock now ({@code System.nanoTime()} in the process)
     * @param wallMillis  wall-clock time now ({@code System.currentTimeMillis()})
     */
    public MapKernelFlows(FlowMap egress, FlowMap ingress, FlowMap records, long engineNanos, long wallMillis) {
        this.egress = egress;
        this.ingress = ingress;
        this.records = records;
        this.wallMinusEngineMillis = wallMillis - engineNanos / 1_000_000L;
    }

    @Override
    public boolean add(KernelFlowEntry e) {
        FlowTransform f = e.transform;
        egressKey.flow(f);
        ingressKey.flow(f);
        // The record first: a flow the kernel moves must be one a restarted agent can find.
        if (!records.insert(ingressKey.buffer(), record.entry(e, e.startedNanos / 1_000_000L + wallMinusEngineMillis).buffer())) {
            return false;
        }
        if (!ingress.insert(ingressKey.buffer(), ingressValue.entry(f, e.token, e.clientAck, e.clientClose, e.serverClose).buffer())) {
            records.delete(ingressKey.buffer());
            return false;
        }
        // Egress last: from here on the server's packets no longer reach the agent.
        if (!egress.insert(egressKey.buffer(), egressValue.entry(f, true, KernelFlowState.fin(e.clientClose), e.serverNext, e.lastTsVal, e.serverAck,
                e.window).buffer())) {
            ingress.delete(ingressKey.buffer());
            records.delete(ingressKey.buffer());
            return false;
        }
        return true;
    }

    @Override
    public boolean readState(FlowTransform f, KernelFlowState state) {
        if (!egress.lookup(egressKey.flow(f).buffer(), egressValue.buffer())) {
            return false;
        }
        state.egress(egressValue);
        state.ingress = false;
        if (ingress.lookup(ingressKey.flow(f).buffer(), ingressValue.buffer())) {
            state.ingress(ingressValue);
        }
        return true;
    }

    @Override
    public void remove(FlowTransform f) {
        // Egress first: the server's packets come back to the agent before the record goes.
        egress.delete(egressKey.flow(f).buffer());
        ingressKey.flow(f);
        ingress.delete(ingressKey.buffer());
        records.delete(ingressKey.buffer());
    }

    @Override
    public void forEachRecorded(Consumer<KernelFlowEntry> action) {
        KernelFlowEntry e = new KernelFlowEntry();
        records.forEachKey(key -> {
            ingressKey.buffer().put(0, key, 0, IngressFlowKey.LENGTH);
            if (!records.lookup(ingressKey.buffer(), record.buffer())) {
                return; // gone meanwhile
            }
            record.readInto(e);
            e.startedNanos = (record.startedMillis() - wallMinusEngineMillis) * 1_000_000L;
            e.complete = false;
            e.transform = null;
            if (ingress.lookup(ingressKey.buffer(), ingressValue.buffer())) {
                FlowTransform.Builder t = FlowTransform.builder()
                        .client(ingressKey.clientAddress(), ingressKey.clientPort())
                        .vip(ingressKey.vipAddress(), ingressKey.vipPort())
                        .server(ingressValue.serverAddress(), ingressValue.serverPort())
                        .isns(e.directorIsn, e.serverIsn)
                        .windowShifts(e.stackShift, e.directorShift);
                if (e.timestampsOnB) {
                    t.timestamps(e.directorTsVal, e.synAckTsVal);
                }
                e.transform = t.build();
                e.token = ingressValue.token();
                e.state.ingress(ingressValue);
                e.clientAck = ingressValue.clientAck();
                if (egress.lookup(egressKey.flow(e.transform).buffer(), egressValue.buffer())) {
                    e.state.egress(egressValue);
                    e.serverNext = egressValue.serverNext();
                    e.lastTsVal = egressValue.lastTsVal();
                    e.serverAck = egressValue.serverAck();
                    e.window = egressValue.window();
                    e.complete = true;
                }
            } else {
                e.transform = FlowTransform.builder().client(ingressKey.clientAddress(), ingressKey.clientPort())
                        .vip(ingressKey.vipAddress(), ingressKey.vipPort()).server(0, 1).isns(e.directorIsn, e.serverIsn).build();
            }
            action.accept(e);
        });
    }
}
