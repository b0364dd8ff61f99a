// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The binding's own test object (org.handoff.bpf tests only; no feature loads it): one program
 * per hook the binding supports, a map of each kind it handles, and one program the verifier
 * rejects, off unless a test turns it on.
 *
 *   selftest_tc       tc:  swaps the Ethernet source and destination, counts, returns TC_ACT_OK
 *   selftest_xdp      xdp: counts, returns the verdict stored in selftest_verdict[0]
 *   selftest_tc_pass  tc:  returns TC_ACT_OK (another program, for the refuse-to-replace tests)
 *   selftest_xdp_pass xdp: returns XDP_PASS (the same, for XDP)
 *   selftest_rejected xdp: reads packet data without a bounds check (autoload off: "?xdp")
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

/* selftest_counters indices */
#define SELFTEST_COUNTER_TC   0
#define SELFTEST_COUNTER_XDP  1
#define SELFTEST_COUNTERS     2

#define SELFTEST_HASH_ENTRIES 64

/* [0]: what selftest_xdp returns (XDP_ABORTED 0, XDP_DROP 1, XDP_PASS 2, ...) */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} selftest_verdict SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SELFTEST_COUNTERS);
	__type(key, __u32);
	__type(value, __u64);
} selftest_counters SEC(".maps");

/* written and read only from user space: update, lookup, delete, iteration, pinning */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SELFTEST_HASH_ENTRIES);
	__type(key, __u64);
	__type(value, __u64);
} selftest_hash SEC(".maps");

static __always_inline void count(__u32 index)
{
	__u64 *counter = bpf_map_lookup_elem(&selftest_counters, &index);

	if (counter)
		*counter += 1;
}

SEC("tc")
int selftest_tc(struct __sk_buff *skb)
{
	__u8 dst[ETH_ALEN], src[ETH_ALEN];

	count(SELFTEST_COUNTER_TC);
	if (bpf_skb_load_bytes(skb, 0, dst, ETH_ALEN) || bpf_skb_load_bytes(skb, ETH_ALEN, src, ETH_ALEN))
		return TC_ACT_OK;
	bpf_skb_store_bytes(skb, 0, src, ETH_ALEN, 0);
	bpf_skb_store_bytes(skb, ETH_ALEN, dst, ETH_ALEN, 0);
	return TC_ACT_OK;
}

SEC("xdp")
int selftest_xdp(struct xdp_md *ctx)
{
	__u32 zero = 0;
	__u32 *verdict = bpf_map_lookup_elem(&selftest_verdict, &zero);

	count(SELFTEST_COUNTER_XDP);
	return verdict ? *verdict : XDP_PASS;
}

SEC("tc")
int selftest_tc_pass(struct __sk_buff *skb)
{
	return TC_ACT_OK;
}

SEC("xdp")
int selftest_xdp_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

SEC("?xdp")
int selftest_rejected(struct xdp_md *ctx)
{
	__u8 *data = (__u8 *)(long)ctx->data;

	return data[0];
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
