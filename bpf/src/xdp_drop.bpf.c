// SPDX-License-Identifier: GPL-2.0
/* Drops everything: the throughput ceiling the drop benchmark compares against. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int xdp_drop(struct xdp_md *ctx)
{
	return XDP_DROP;
}

char _license[] SEC("license") = "GPL";
