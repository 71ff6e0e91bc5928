// SPDX-License-Identifier: GPL-2.0
/*
 * Test object for io.xdpguard.agent.dataplane.libbpf tests (compiled by the tests with clang).
 * One map of each kind the libbpf layer must handle, and an XDP program whose verdict comes
 * from test_array[0] (1 = DROP, anything else = PASS) and which counts its runs per CPU.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct lpm_v4_key {
	__u32 prefixlen;
	__u8 addr[4];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u32);
} test_array SEC(".maps");

/* __u32 values: the per-CPU slot is rounded up to 8 bytes. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u32);
} test_percpu SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, __u32);
} test_hash SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 200000);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct lpm_v4_key);
	__type(value, __u32);
} test_lpm SEC(".maps");

/* A map type whose kernel side has no batch update: exercises the per-element fallback. */
struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u32);
} test_devmap SEC(".maps");

SEC("xdp")
int xdp_verdict(struct xdp_md *ctx)
{
	__u32 zero = 0;
	__u32 *runs = bpf_map_lookup_elem(&test_percpu, &zero);
	__u32 *verdict = bpf_map_lookup_elem(&test_array, &zero);

	if (runs)
		(*runs)++;
	if (verdict && *verdict == 1)
		return XDP_DROP;
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
