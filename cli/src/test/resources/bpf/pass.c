// Two programs that pass every packet: what BpfRunTimeNetnsTest measures is only how often
// they ran and for how long. Built by the test:
//   clang -O2 -g -target bpf -I/usr/include/x86_64-linux-gnu -c pass.c -o pass.o
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

SEC("tc")
int pass_tc(struct __sk_buff *skb)
{
    return TC_ACT_OK;
}

SEC("xdp")
int pass_xdp(struct xdp_md *ctx)
{
    return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
