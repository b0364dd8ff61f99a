package org.handoff.agent.kernel;

import java.nio.ByteBuffer;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A {@link FlowMap} in memory for tests of the engine's kernel path: entries by their key bytes, a
 * capacity (a full map refuses as the kernel's does), and what a test needs to play the program (move
 * a state word) or the LRU (evict an entry).
 */
public final class MemoryFlowMap implements FlowMap {
    private final int keyLength;
    private final int valueLength;
    private final int capacity;
    private final Map<String, ByteBuffer> entries = new LinkedHashMap<>();
    /** Inserts so far (refused ones not counted). */
    public int inserts;
    /** Lookups so far: the engine reads a map per flow event, never per packet. */
    public int lookups;
    /** Runs before each insert: a test notes what else had happened by then. */
    public Runnable beforeInsert = () -> { };

    public MemoryFlowMap(int keyLength, int valueLength, int capacity) {
        this.keyLength = keyLength;
        this.valueLength = valueLength;
        this.capacity = capacity;
    }

    public static MemoryFlowMap egress(int capacity) {
        return new MemoryFlowMap(EgressFlowKey.LENGTH, EgressFlowValue.LENGTH, capacity);
    }

    public static MemoryFlowMap ingress(int capacity) {
        return new MemoryFlowMap(IngressFlowKey.LENGTH, IngressFlowValue.LENGTH, capacity);
    }

    public static MemoryFlowMap records(int capacity) {
        return new MemoryFlowMap(IngressFlowKey.LENGTH, FlowRecord.LENGTH, capacity);
    }

    private String name(ByteBuffer key) {
        byte[] k = new byte[keyLength];
        key.get(0, k);
        return HexFormat.of().formatHex(k);
    }

    @Override
    public boolean insert(ByteBuffer key, ByteBuffer value) {
        beforeInsert.run();
        String k = name(key);
        if (entries.containsKey(k) || entries.size() >= capacity) {
            return false;
        }
        ByteBuffer copy = ByteBuffer.allocate(valueLength);
        copy.put(0, value, 0, valueLength);
        entries.put(k, copy);
        inserts++;
        return true;
    }

    @Override
    public boolean lookup(ByteBuffer key, ByteBuffer value) {
        lookups++;
        ByteBuffer v = entries.get(name(key));
        if (v == null) {
            return false;
        }
        value.put(0, v, 0, valueLength);
        return true;
    }

    @Override
    public boolean delete(ByteBuffer key) {
        return entries.remove(name(key)) != null;
    }

    @Override
    public void forEachKey(Consumer<ByteBuffer> action) {
        for (String k : entries.keySet().toArray(String[]::new)) {
            action.accept(ByteBuffer.wrap(HexFormat.of().parseHex(k)));
        }
    }

    public int size() {
        return entries.size();
    }

    /** The stored value of {@code key} (the map's own buffer: writes to it are what the program would do), or null. */
    public ByteBuffer value(ByteBuffer key) {
        return entries.get(name(key));
    }

    /** The only entry's value; fails unless there is exactly one. */
    public ByteBuffer only() {
        if (entries.size() != 1) {
            throw new AssertionError(entries.size() + " entries (expected: 1)");
        }
        return entries.values().iterator().next();
    }

    /** Drops the entry of {@code key} as the LRU would. */
    public void evict(ByteBuffer key) {
        entries.remove(name(key));
    }
}
