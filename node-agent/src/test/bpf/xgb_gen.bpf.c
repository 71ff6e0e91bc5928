// SPDX-License-Identifier: GPL-2.0
/*
 * Traffic generator for the drop-throughput benchmark (DataplaneBenchmark): run with
 * BPF_PROG_TEST_RUN + BPF_F_TEST_XDP_LIVE_FRAMES, every frame is XDP_REDIRECTed through the
 * devmap entry 0 (a veth set by the benchmark), so the frames arrive on the veth's peer, whose
 * native XDP program is what is measured.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} xgb_tx SEC(".maps");

SEC("xdp")
int xgb_gen(struct xdp_md *ctx)
{
	return bpf_redirect_map(&xgb_tx, 0, 0);
}

char _license[] SEC("license") = "GPL";
