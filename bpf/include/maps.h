/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * Maps of the xdpguard classifier. Names, key and value types are the ABI (xdpguard_abi.h);
 * max_entries are the defaults, the agent may shrink them with bpf_map__set_max_entries()
 * before load, so the program treats every out-of-range array lookup (NULL) as a miss.
 */
#ifndef XG_MAPS_H
#define XG_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "xdpguard_abi.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xg_active);
} xg_active SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XG_SLOTS);
	__type(key, __u32);
	__type(value, struct xg_slot_config);
} xg_slot_config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XG_SLOTS * XG_MAX_VECTORS);
	__type(key, __u32);
	__type(value, struct xg_vec_hdr);
} xg_vec_hdr SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XG_SLOTS * XG_MAX_WORDS);
	__type(key, __u32);
	__type(value, __u64);
} xg_vec_words SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XG_SLOTS * XG_MAX_RULES);
	__type(key, __u32);
	__type(value, struct xg_rule);
} xg_rules SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XG_MAX_COUNTERS);
	__type(key, __u32);
	__type(value, struct xg_rule_stats);
} xg_rule_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XG_REASONS);
	__type(key, __u32);
	__type(value, struct xg_counter);
} xg_stats SEC(".maps");

/* LPM tries must not be preallocated (the kernel refuses it). */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, XG_MAX_LPM4);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct xg_lpm4_key);
	__type(value, __u32);
} xg_src4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, XG_MAX_LPM6);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct xg_lpm6_key);
	__type(value, __u32);
} xg_src6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, XG_MAX_LPM4);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct xg_lpm4_key);
	__type(value, __u32);
} xg_dst4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, XG_MAX_LPM6);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct xg_lpm6_key);
	__type(value, __u32);
} xg_dst6 SEC(".maps");

/* IPv4 direct tables in front of the tries (arrays: preallocated). The /24 tables are sized for
 * XG_DIR24_CHUNKS chunks per slot; a loader that resizes them sets xg_dir24_chunks to match. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XG_SLOTS * XG_DIR4_ENTRIES);
	__type(key, __u32);
	__type(value, __u32);
} xg_src4_dir SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XG_SLOTS * XG_DIR4_ENTRIES);
	__type(key, __u32);
	__type(value, __u32);
} xg_dst4_dir SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XG_SLOTS * XG_DIR24_CHUNKS);
	__type(key, __u32);
	__type(value, struct xg_dir24_chunk);
} xg_src4_dir24 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XG_SLOTS * XG_DIR24_CHUNKS);
	__type(key, __u32);
	__type(value, struct xg_dir24_chunk);
} xg_dst4_dir24 SEC(".maps");

/* IPv6 direct stage: cuckoo tables of 64-byte buckets, preallocated as arrays are (8 MiB per interface at
 * the default XG_DIR6_BUCKETS). A loader may size them for another capacity. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XG_SLOTS * XG_DIR6_BUCKETS);
	__type(key, __u32);
	__type(value, struct xg_dir6_bucket);
} xg_src6_dir SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XG_SLOTS * XG_DIR6_BUCKETS);
	__type(key, __u32);
	__type(value, struct xg_dir6_bucket);
} xg_dst6_dir SEC(".maps");

/* Host hashes are not preallocated either: 2.2M preallocated elements would pin ~170 MB per
 * map and interface even when the rule set holds a handful of hosts. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XG_MAX_HOSTS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct xg_host_key);
	__type(value, __u32);
} xg_src_host SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XG_MAX_HOSTS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct xg_host_key);
	__type(value, __u32);
} xg_dst_host SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XG_SLOTS * XG_L4_ENTRIES);
	__type(key, __u32);
	__type(value, struct xg_l4_entry);
} xg_l4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XG_SLOTS * XG_SPORT_ENTRIES);
	__type(key, __u32);
	__type(value, __u32);
} xg_sport SEC(".maps");

/* The search memo: the program's own, never pinned (the agent leaves it out), so that it lives and dies with the
 * program that wrote it: an upgraded program starts with an empty one. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XG_MEMO_ENTRIES);
	__type(key, __u32);
	__type(value, struct xg_memo_entry);
} xg_memo SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XG_MAX_COUNTERS);
	__type(key, __u32);
	__type(value, struct xg_bucket);
} xg_rl_rule SEC(".maps");

/* LRU: a spoofed-source flood must evict old buckets, not fail to create new ones. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct xg_rl_source_key);
	__type(value, struct xg_bucket);
} xg_rl_source SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20); /* 1 MiB: a power-of-2 multiple of the page size */
} xg_samples SEC(".maps");

/*
 * Userspace-only maps, pinned with the others so that a restarted agent can prove the pins are its own and
 * resume where it stopped. The program never reads them.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xg_owner);
} xg_owner SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, XG_MAX_COUNTERS);
	__type(key, __u32);
	__type(value, struct xg_counter_key);
} xg_counter_keys SEC(".maps");

/*
 * An update of a map-in-map waits for an RCU grace period (maybe_wait_bpf_programs() in the kernel): after
 * the agent writes xg_barrier[0], no packet that started before the last slot switch is still being
 * classified, so the slot it switched away from may be rewritten.
 */
struct xg_barrier_inner {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} xg_barrier_inner SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__array(values, struct xg_barrier_inner);
} xg_barrier SEC(".maps") = {
	.values = { &xg_barrier_inner },
};

#endif
