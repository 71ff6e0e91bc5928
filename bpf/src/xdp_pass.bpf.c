// SPDX-License-Identifier: GPL-2.0
/* The cheapest possible XDP program: the floor the benchmarks compare against. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int xdp_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
