// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The TCP option walk of org.handoff.protocol.wire.TcpOptions.walk (same length checks, same
 * verdicts, the last option of a kind wins), over a stack copy of the options, one option per
 * bpf_loop step: the same walk unrolled by the verifier passes its million-instruction limit.
 * Shared by the agent's programs (agent_rewrite.h: where timestamps and SACK sit) and the
 * director's SYN path (director_syn.h: what the client's SYN offers).
 */
#ifndef HANDOFF_TCP_OPTIONS_H
#define HANDOFF_TCP_OPTIONS_H

#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

/* TCP options: at most 40 bytes (data offset 15 words minus the fixed header). */
#define TCP_FIXED_HEADER_LEN     20
#define TCP_MAX_OPTIONS_LEN      40
#define TCP_MAX_SACK_BLOCKS      4
/* A window shift above 14 is treated as 14 (RFC 7323 2.3), as TcpOptions and FlowTransform do. */
#define TCP_MAX_WINDOW_SHIFT     14

#define TCP_OPT_EOL              0
#define TCP_OPT_NOP              1
#define TCP_OPT_MSS              2
#define TCP_OPT_WINDOW_SCALE     3
#define TCP_OPT_SACK_PERMITTED   4
#define TCP_OPT_SACK             5
#define TCP_OPT_TIMESTAMPS       8
#define TCP_OPT_MSS_LEN          4
#define TCP_OPT_WINDOW_SCALE_LEN 3
#define TCP_OPT_SACK_PERM_LEN    2
#define TCP_OPT_TIMESTAMPS_LEN   10
#define TCP_SACK_BLOCK_LEN       8

/* The options' stack buffer: a power of two above TCP_MAX_OPTIONS_LEN, for the load's mask. */
#define TCP_OPTIONS_BUFFER_LEN   64

/* The walk's state, handed to each step by bpf_loop. */
struct option_walk {
	__u8 opt[TCP_OPTIONS_BUFFER_LEN];
	__u32 end;          /* option bytes: the TCP header length minus 20 */
	__u32 i;            /* the next option's offset from the first option byte */
	/* each kind's last option, as an offset from the TCP header (so at least 20); 0 when absent */
	__u32 mss;
	__u32 window_scale;
	__u32 sack_permitted;
	__u32 sack;
	__u32 sack_blocks;
	__u32 ts;
	int malformed;
};

/*
 * An index into the options buffer the verifier can bound: the walk keeps it below end (at most
 * 40), but clang would drop a mask it can prove redundant, so barrier_var hides the range first.
 */
static __always_inline __u32 option_index(__u32 i)
{
	barrier_var(i);
	return i & (TCP_OPTIONS_BUFFER_LEN - 1);
}

/* The option byte at an offset from the TCP header, for an offset the walk recorded. */
static __always_inline __u8 option_byte(const struct option_walk *w, __u32 from_tcp_header)
{
	return w->opt[option_index(from_tcp_header - TCP_FIXED_HEADER_LEN)];
}

/* One option of TcpOptions.walk; returns 1 to stop the loop. */
static long walk_step(__u32 n, void *ctx)
{
	struct option_walk *w = ctx;
	__u32 i = w->i;

	if (i >= w->end)
		return 1;
	__u8 kind = w->opt[option_index(i)];
	if (kind == TCP_OPT_EOL)
		return 1;
	if (kind == TCP_OPT_NOP) {
		w->i = i + 1;
		return 0;
	}
	if (i + 1 >= w->end)
		goto malformed;
	__u32 olen = w->opt[option_index(i + 1)];
	if (olen < 2 || i + olen > w->end)
		goto malformed;
	switch (kind) {
	case TCP_OPT_MSS:
		if (olen != TCP_OPT_MSS_LEN)
			goto malformed;
		w->mss = TCP_FIXED_HEADER_LEN + i;
		break;
	case TCP_OPT_WINDOW_SCALE:
		if (olen != TCP_OPT_WINDOW_SCALE_LEN)
			goto malformed;
		w->window_scale = TCP_FIXED_HEADER_LEN + i;
		break;
	case TCP_OPT_SACK_PERMITTED:
		if (olen != TCP_OPT_SACK_PERM_LEN)
			goto malformed;
		w->sack_permitted = TCP_FIXED_HEADER_LEN + i;
		break;
	case TCP_OPT_SACK:
		if (olen == 2 || (olen - 2) % TCP_SACK_BLOCK_LEN != 0
		    || (olen - 2) / TCP_SACK_BLOCK_LEN > TCP_MAX_SACK_BLOCKS)
			goto malformed;
		w->sack = TCP_FIXED_HEADER_LEN + i;
		w->sack_blocks = (olen - 2) / TCP_SACK_BLOCK_LEN;
		break;
	case TCP_OPT_TIMESTAMPS:
		if (olen != TCP_OPT_TIMESTAMPS_LEN)
			goto malformed;
		w->ts = TCP_FIXED_HEADER_LEN + i;
		break;
	default:
		break;
	}
	w->i = i + olen;
	return 0;
malformed:
	w->malformed = 1;
	return 1;
}

/*
 * Zeroes the walk for `end` option bytes (1..TCP_MAX_OPTIONS_LEN) and returns how many to load
 * into w->opt: `end` again, bounded where the verifier sees it (clang would otherwise pass a
 * copy from before the caller's checks; barrier_var hides end's range from clang, so the mask
 * stays, and for 1..40 it changes nothing).
 */
static __always_inline __u32 walk_start(struct option_walk *w, __u32 end)
{
	__u32 load = end;

	__builtin_memset(w, 0, sizeof(*w));
	w->end = end;
	barrier_var(load);
	return ((load - 1) & (TCP_OPTIONS_BUFFER_LEN - 1)) + 1;
}

/* After the load: walks every option, at most TCP_MAX_OPTIONS_LEN steps. 0, or -1 when malformed. */
static __always_inline int walk_run(struct option_walk *w)
{
	bpf_loop(TCP_MAX_OPTIONS_LEN, walk_step, w, 0);
	return w->malformed ? -1 : 0;
}

#endif
