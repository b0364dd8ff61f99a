package org.handoff.agent.kernel;

import java.nio.ByteBuffer;
import java.util.function.Consumer;
import org.handoff.bpf.BpfException;
import org.handoff.bpf.BpfMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A pinned {@link BpfMap} as a {@link FlowMap}: a refused insert (EEXIST, E2BIG when full, ...) is false and logged. */
public final class BpfFlowMap implements FlowMap {
    private static final Logger LOG = LoggerFactory.getLogger(BpfFlowMap.class);

    private final BpfMap map;

    public BpfFlowMap(BpfMap map) {
        this.map = map;
    }

    @Override
    public boolean insert(ByteBuffer key, ByteBuffer value) {
        try {
            map.update(key, value, BpfMap.UpdateMode.NOEXIST);
            return true;
        } catch (BpfException e) {
            LOG.debug("{}: insert refused: {}", map.name(), e.getMessage());
            return false;
        }
    }

    @Override
    public boolean lookup(ByteBuffer key, ByteBuffer value) {
        return map.lookup(key, value);
    }

    @Override
    public boolean delete(ByteBuffer key) {
        return map.delete(key);
    }

    @Override
    public void forEachKey(Consumer<ByteBuffer> action) {
        for (byte[] k : map.keys()) {
            action.accept(ByteBuffer.wrap(k));
        }
    }
}
