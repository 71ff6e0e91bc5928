// SPDX-License-Identifier: GPL-2.0
/* Test object the verifier must reject: reads packet data without a bounds check. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int xdp_unchecked(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;

	return *(__u32 *)data;
}

char _license[] SEC("license") = "GPL";
