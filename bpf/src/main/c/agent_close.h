// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The close of a flow in the kernel (docs/kernel-datapath.md, "Closes"): both programs rewrite
 * FINs like data, so a FIN leaves in order behind the bytes before it, as it would from the
 * origin itself. Each notes its side's FIN in the ingress entry's close words and the other
 * side's ACK of it; the compare-and-swap that finds both FINs acknowledged sends the agent one
 * AGENT_EVENT_CLOSED, and the agent ends the flow then. No user-space wake-up before that.
 */
#ifndef AGENT_CLOSE_H
#define AGENT_CLOSE_H

#include "agent_maps.h"
#include "agent_rewrite.h"

/* Sends the flow's close to the agent once: the caller found both FINs acknowledged. */
static __always_inline void close_report(const struct agent_ingress_key *key, struct agent_ingress_value *v)
{
	for (int i = 0; i < AGENT_STATE_CAS_TRIES; i++) {
		__u64 cur = v->client_close;
		if (cur & AGENT_CLOSE_REPORTED)
			return;
		if (__sync_val_compare_and_swap(&v->client_close, cur, cur | AGENT_CLOSE_REPORTED) != cur)
			continue;
		struct agent_event e = { .key = *key, .kind = AGENT_EVENT_CLOSED };
		if (bpf_ringbuf_output(&agent_events, &e, sizeof(e), 0) < 0)
			count(AGENT_CLOSE_EVENTS_LOST);
		else
			count(AGENT_CLOSES_REPORTED);
		return;
	}
}

/* A FIN ending at end (B's numbering) went through: noted once, its first end kept. */
static __always_inline void close_fin(__u64 *word, __u32 end, __u32 contended)
{
	for (int i = 0; i < AGENT_STATE_CAS_TRIES; i++) {
		__u64 cur = *word;
		if (cur & AGENT_CLOSE_FIN)
			return;  /* a retransmission */
		if (__sync_val_compare_and_swap(word, cur, (cur & ~AGENT_CLOSE_END_MASK) | AGENT_CLOSE_FIN | end) == cur)
			return;
	}
	count(contended);
}

/*
 * A segment acknowledging up to ack (B's numbering) went the other way: if it covers the FIN of
 * *word, that FIN is acknowledged; the flow is closed once the other word's FIN is too.
 */
static __always_inline void close_ack(const struct agent_ingress_key *key, struct agent_ingress_value *v, __u64 *word,
				      __u64 *other, __u32 ack, __u32 contended)
{
	for (int i = 0; i < AGENT_STATE_CAS_TRIES; i++) {
		__u64 cur = *word;
		if (!(cur & AGENT_CLOSE_FIN) || (cur & AGENT_CLOSE_ACKED) || (__s32)(ack - (__u32)cur) < 0)
			return;
		if (__sync_val_compare_and_swap(word, cur, cur | AGENT_CLOSE_ACKED) == cur) {
			/* After the swap (a full barrier): of two programs acknowledging the two FINs at once, one sees both. */
			if (*other & AGENT_CLOSE_ACKED)
				close_report(key, v);
			return;
		}
	}
	count(contended);
}

#endif
