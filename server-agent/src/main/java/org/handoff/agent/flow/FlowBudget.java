package org.handoff.agent.flow;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The flow limit shared by every worker: taken once per hand-off and given back once per freed
 * flow, so one atomic operation per flow, none per packet. Its count is the "flows open" gauge.
 */
public final class FlowBudget {
    private final int limit;
    private final AtomicInteger inUse = new AtomicInteger();

    public FlowBudget(int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit=" + limit + " (expected: 1+)");
        }
        this.limit = limit;
    }

    /** Takes one flow; false (nothing taken) at the limit. */
    public boolean tryAcquire() {
        while (true) {
            int n = inUse.get();
            if (n >= limit) {
                return false;
            }
            if (inUse.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    public void release() {
        inUse.decrementAndGet();
    }

    public int inUse() {
        return inUse.get();
    }

    public int limit() {
        return limit;
    }
}
