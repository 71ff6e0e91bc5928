// SPDX-License-Identifier: GPL-2.0
/*
 * The drop-throughput floor of DataplaneBenchmark: XDP_DROP plus one per-CPU counter, so its
 * drops are counted the same way (a per-CPU map increment) as xdpguard's per-rule counters.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} xgb_drops SEC(".maps");

SEC("xdp")
int xgb_drop_count(struct xdp_md *ctx)
{
	__u32 key = 0;
	__u64 *n = bpf_map_lookup_elem(&xgb_drops, &key);

	if (n)
		(*n)++;
	return XDP_DROP;
}

char _license[] SEC("license") = "GPL";
