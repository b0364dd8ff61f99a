/* SPDX-License-Identifier: Apache-2.0 */
/*
 * xdp_pass (xdp): passes every frame. For the veth peer of an interface whose XDP program sends
 * frames back with XDP_TX (the lab's director): a veth end takes XDP_TX'd frames promptly only
 * when it runs an XDP program itself. With GRO on instead, measured on kernel 6.18, the frames
 * waited in its queue until the next ordinary packet came through (about a second, the
 * director's probe), which stalled every tunnelled flow. Real NICs need nothing of the kind.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int xdp_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
