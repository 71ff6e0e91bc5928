/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * Kernel/user ABI of the xdpguard classifier: only plain structs and constants that the Java side
 * (io.xdpguard.agent.dataplane.abi) encodes too. A test compares these layouts with the object's BTF.
 *
 * Classification is "Linear Bit Vector Search": every dimension lookup yields the index of a rule
 * bit-vector; the vectors are ANDed and the lowest set bit is the winning rule. Rule bit i is the
 * i-th rule in evaluation order (failsafe rules first, then filters by priority and name, then rule
 * order). Vectors are sparse and two-level: a header holds a summary of which 64-bit words are
 * non-zero, and the non-zero words are stored contiguously in a shared word pool.
 *
 * Only some words are searched. Every rule that constrains a dimension has one "primary" dimension
 * (the first it constrains of source, destination, L4 with ports/types, source port, L4 protocol
 * only); a vector's candidate summary flags the words holding rules of its own dimension that are
 * primary there. A matching rule is in the candidate summary of its primary dimension's vector, or
 * constrains nothing (then the first such rule, catch_all, ends the search), so the search visits
 * only the words flagged by some candidate summary, not every word that all vectors share.
 *
 * Every classification map exists once per interface and holds two generations ("slots"); the
 * slot is part of the key. A packet reads the active slot once and uses it for every lookup, so
 * a rule set becomes live with one 4-byte write of xg_active (the atomic switch).
 */
#ifndef XDPGUARD_ABI_H
#define XDPGUARD_ABI_H

#include <linux/types.h>

#define XG_ABI_VERSION 10

#define XG_SLOTS 2
#define XG_MAX_RULES 8192                   /* per interface, failsafe rules included */
#define XG_VEC_HALVES 2                     /* summary words per vector */
#define XG_WORDS_PER_VEC (XG_MAX_RULES / 64) /* 128 */
#define XG_MAX_VECTORS 65536                /* per slot */
#define XG_MAX_WORDS 262144                 /* per slot */
#define XG_MAX_COUNTERS 16384               /* stable counter ids, shared by both slots */
/* LPM tries, per map, both slots together: 1.1M per slot, because while a slot is rewritten the other
 * one stays live, and a 1M-CIDR set whose exact addresses overflow the host hash (the agent sizes it
 * down, see MapCapacities) lands here almost whole. Not preallocated: the limit costs nothing unused. */
#define XG_MAX_LPM4 2200000
#define XG_MAX_LPM6 2200000
#define XG_MAX_HOSTS 2200000

/* Dimensions of the classifier. */
enum xg_dim {
	XG_DIM_SRC = 0, /* source address: IPv4 or IPv6 direct stage, LPM trie, host hash */
	XG_DIM_DST = 1, /* destination address: the same */
	XG_DIM_L4 = 2,  /* protocol class and destination port / ICMP type */
	XG_DIM_SPORT = 3, /* protocol class and source port */
	XG_DIMS = 4,
};

/*
 * L4 key classes. The L4 dimension is an array indexed by class * 65536 + value:
 * value is the destination port (TCP/UDP/SCTP), the ICMP type (ICMP/ICMPv6) or the IP protocol
 * number (OTHER). Later fragments (no L4 header) use XG_L4_FRAGMENT with value = IP protocol, plus
 * XG_FRAGMENT_IPV6_OFFSET for IPv6, so that ICMP rules never match IPv6 fragments nor ICMPv6 rules IPv4 ones.
 */
enum xg_l4_class {
	XG_L4_TCP = 0,
	XG_L4_UDP = 1,
	XG_L4_SCTP = 2,
	XG_L4_ICMP = 3,
	XG_L4_ICMPV6 = 4,
	XG_L4_OTHER = 5,
	XG_L4_FRAGMENT = 6,
	XG_L4_CLASSES = 7,
};
#define XG_L4_ENTRIES (XG_L4_CLASSES * 65536)
#define XG_FRAGMENT_IPV6_OFFSET 256
/* The source-port dimension: class TCP/UDP/SCTP * 65536 + port; every other packet uses index
 * XG_SPORT_NONE. */
#define XG_SPORT_NONE (3 * 65536)
#define XG_SPORT_ENTRIES (3 * 65536 + 1)

/* Rule actions. */
enum xg_action {
	XG_ACT_PASS = 0,
	XG_ACT_DROP = 1,
	XG_ACT_RATE_LIMIT = 2,
};

/* Rule flags. */
#define XG_RULE_AUDIT (1u << 0)     /* filter in Audit enforcement: counted, never the verdict */
#define XG_RULE_FAILSAFE (1u << 1)  /* built-in control-plane protection */
#define XG_RULE_RL_PER_SOURCE (1u << 2) /* one token bucket per source address instead of per rule */

/* Verdict reasons, also the index of xg_stats. */
enum xg_reason {
	XG_R_RULE_PASS = 0,
	XG_R_RULE_DROP = 1,
	XG_R_RATE_LIMIT_PASS = 2,
	XG_R_RATE_LIMIT_DROP = 3,
	XG_R_AUDIT_WOULD_DROP = 4,  /* an Audit rule matched first and would drop: counted beside the verdict */
	XG_R_FAILSAFE_PASS = 5,
	XG_R_DEFAULT_PASS = 6,
	XG_R_DEFAULT_DROP = 7,
	XG_R_DEFAULT_AUDIT_DROP = 8, /* default Drop from an Audit filter only: passed */
	XG_R_NON_IP = 9,             /* ARP, LLDP, ...: always passed */
	XG_R_MALFORMED = 10,         /* truncated/invalid headers: passed, never classified */
	XG_R_SAMPLES_LOST = 11,      /* drop samples lost (ring full or sample rate limit) */
	XG_R_NO_RULES = 12,          /* no rule set active yet: passed */
	XG_REASONS = 13,
};

/* Default action of a slot. */
enum xg_default {
	XG_DEFAULT_PASS = 0,
	XG_DEFAULT_DROP = 1,
	XG_DEFAULT_AUDIT_DROP = 2,
};

/* xg_active: ARRAY, 1 entry. */
struct xg_active {
	__u32 slot;      /* 0 or 1 */
	__u32 generation; /* increases with every switch, skipping 0: the memo_epoch of the slot it activated */
};

/* xg_slot_config: ARRAY, XG_SLOTS entries, indexed by slot. */
struct xg_slot_config {
	__u32 rule_count;     /* 0 = no rule set: everything passes (XG_R_NO_RULES) */
	__u32 dims_used;      /* bit (1 << enum xg_dim): dimensions some rule constrains */
	__u32 default_action; /* enum xg_default */
	__u32 default_vec[XG_DIMS]; /* vector index for a dimension whose lookup misses */
	__u32 catch_all;      /* lowest rule constraining no dimension (matches every packet), or XG_NO_RULE */
	__u32 dir6_miss[2];   /* per address dimension (XG_DIM_SRC, XG_DIM_DST): the answer for an IPv6 /32 without
			       * an entry in xg_src6_dir/xg_dst6_dir, XG_DIR_FINAL | vector or XG_DIR_DEEPER */
	__u32 dir6_miss_upto[2]; /* per address dimension: the last /32 (top 32 bits, host order) dir6_miss answers
				  * for; a /32 above it without an entry goes to the trie (capacity ran out there) */
	__u64 dir6_mult[2][2];   /* per address dimension: the IPv6 table's two bucket multipliers (odd) */
	__u32 dir6_bucket_bits;  /* log2 of the IPv6 tables' buckets per slot, 1..XG_DIR6_MAX_BUCKET_BITS */
	/* With Audit rules in the set: the vector of the rules that are not (candidates none), searched with a
	 * packet's vectors when its first match is an Audit rule, to find the verdict; XG_VEC_NONE without. */
	__u32 enforced_vec;
	__u32 catch_all_enforced; /* lowest non-Audit rule constraining no dimension, or XG_NO_RULE */
	/* Names what this slot holds for xg_memo: the generation (xg_active) that activates it, never 0. A slot is
	 * rewritten only while inactive and always with a generation not activated yet, so no two contents a packet
	 * can see share an epoch (for 2^32 switches). */
	__u32 memo_epoch;
};
#define XG_NO_RULE 0xffffffffu

/* xg_vec_hdr: ARRAY, XG_SLOTS * XG_MAX_VECTORS entries, index slot * XG_MAX_VECTORS + vector. */
struct xg_vec_hdr {
	__u64 summary[XG_VEC_HALVES];   /* bit w of half h: word h*64+w is non-zero */
	__u64 cand[XG_VEC_HALVES];      /* bit w of half h: word h*64+w holds a rule whose primary
					 * dimension is the one this vector is looked up in */
	__u32 words_base[XG_VEC_HALVES]; /* where each half's words start in xg_vec_words (already
					  * slot-offset): half 1 needs no popcount of half 0 */
	__u32 decides;  /* the vector's lowest rule when it constrains no address and is not an Audit
			 * rule, else XG_NO_RULE: a packet whose cheap dimensions leave this vector alone
			 * (an L4 entry's vec_sport_default) matches that rule whatever its addresses */
	__u32 pad;
};
/* xg_vec_words: ARRAY of __u64, XG_SLOTS * XG_MAX_WORDS entries. The non-zero words of half h of a
 * vector are at words_base[h] + rank, rank counting set summary bits below the word. */

/* xg_rules: ARRAY, XG_SLOTS * XG_MAX_RULES entries, index slot * XG_MAX_RULES + rule bit. */
struct xg_rule {
	__u32 counter_id;   /* stable across generations: index of xg_rule_stats and rate limiters */
	__u8 action;        /* enum xg_action */
	__u8 flags;         /* XG_RULE_* */
	__u16 filter_index; /* informational (drop samples) */
	__u32 sample_rate;  /* 1 in N matched packets that are dropped (or would be) is sampled; 0 = none */
	__u32 rate_pps;     /* RateLimit: tokens per second */
	__u32 rate_burst;   /* RateLimit: bucket size */
	__u32 pad;
};

/* xg_rule_stats: PERCPU_ARRAY, XG_MAX_COUNTERS entries, indexed by counter_id. */
struct xg_rule_stats {
	__u64 packets;      /* matched (whatever the verdict) */
	__u64 bytes;
	__u64 rate_limited; /* dropped (or, audited, would have been) for exceeding the rate */
};

/* xg_stats: PERCPU_ARRAY, XG_REASONS entries of struct xg_counter, indexed by enum xg_reason. */
struct xg_counter {
	__u64 packets;
	__u64 bytes;
};

/* xg_src4/xg_dst4: LPM_TRIE. prefixlen counts the 32 slot bits plus the address prefix. */
struct xg_lpm4_key {
	__u32 prefixlen;
	__u8 slot[4]; /* big-endian slot number */
	__u8 addr[4];
};
struct xg_lpm6_key {
	__u32 prefixlen;
	__u8 slot[4];
	__u8 addr[16];
};
/* xg_src_host/xg_dst_host: HASH fast path for exact /32 and /128 entries; its vector must equal
 * what the LPM lookup would return for that address. IPv4 uses the IPv4-mapped form ::ffff:a.b.c.d. */
struct xg_host_key {
	__u32 slot;      /* | XG_HOST_KEY_IPV6 for an IPv6 address */
	__u8 addr[16];
};
/* An IPv4 host is keyed by its IPv4-mapped form (::ffff:a.b.c.d) and the slot alone, an IPv6 host by its
 * address and the slot with this bit: an IPv6 packet from ::ffff:a.b.c.d is not the IPv4 host a.b.c.d, nor does
 * an IPv6 rule naming ::ffff:a.b.c.d match IPv4 packets. */
#define XG_HOST_KEY_IPV6 0x80000000u
/* All address maps have a __u32 value: the vector index. In the LPM tries it may carry
 * XG_HOSTS_INSIDE: some exact address inside this prefix (and inside no longer prefix) is in the
 * host hash. The kernel looks up the trie first and the hash only then, so that the common packet,
 * from no listed host, pays one lookup. */
#define XG_HOSTS_INSIDE 0x80000000u

/*
 * IPv4 direct tables in front of the tries (DIR-16-8), per address dimension.
 *
 * xg_src4_dir/xg_dst4_dir: ARRAY of __u32, XG_SLOTS * XG_DIR4_ENTRIES entries, index
 * slot * XG_DIR4_ENTRIES + the top 16 bits of the address. An entry is one of:
 * - XG_DIR_FINAL | vector [| XG_HOSTS_INSIDE]: no prefix longer than /16 lies inside this /16, so
 *   the vector of the longest prefix <= /16 covering it (the dimension's /0 at least) answers for
 *   every address there; XG_HOSTS_INSIDE when the host hash holds an address of this /16;
 * - XG_DIR_CHUNK | chunk: a longer prefix lies inside; entry (address bits 15..8) of that chunk
 *   of the /24 table answers;
 * - XG_DIR_DEEPER (0, as in a never-written array): the trie decides.
 * xg_src4_dir24/xg_dst4_dir24: ARRAY of struct xg_dir24_chunk, XG_SLOTS * chunks entries, index
 * slot * chunks + chunk; its entry[address bits 15..8] is XG_DIR_FINAL | vector [| XG_HOSTS_INSIDE]
 * as above for a /24 without a longer prefix inside, else XG_DIR_DEEPER. A whole chunk per array
 * element: the kernel rounds array values up to 8 bytes, which would double a table of __u32.
 * chunks, the chunks per slot, is a load-time capacity: the loader sizes both maps to
 * XG_SLOTS * chunks entries and sets the program's xg_dir24_chunks (the only variable of section
 * .rodata.dir24) to the same chunks, 1..XG_DIR24_MAX_CHUNKS; XG_DIR24_CHUNKS is the object's
 * default. Only that many /16s of a slot get a chunk (the lowest); the others stay XG_DIR_DEEPER.
 */
#define XG_DIR4_ENTRIES 65536
#define XG_DIR24_CHUNKS 1024
#define XG_DIR24_MAX_CHUNKS 65536 /* one per /16 */
struct xg_dir24_chunk {
	__u32 entry[256];
};
#define XG_DIR_FINAL 0x40000000u
#define XG_DIR_CHUNK 0x20000000u
#define XG_DIR_DEEPER 0u
/* What is left of an address map or direct-table value without its flags: the vector or chunk. */
#define XG_VEC_MASK 0x1fffffffu

/*
 * IPv6 direct stage in front of the tries, per address dimension: a table of /32 and /48 blocks (an array
 * indexed by address bits, as for IPv4, would be far too sparse).
 *
 * A /32 has an entry when a prefix of length >= 32 or an exact host (in the host hash) lies inside it. Its
 * entry is one of:
 * - XG_DIR_FINAL | vector [| XG_HOSTS_INSIDE]: no prefix longer than /32 lies inside, so the vector of the
 *   longest prefix <= /32 covering it answers for every address there, as in the IPv4 tables;
 * - XG_DIR_NEXT: a longer prefix lies inside; the entry of the address's /48 answers, and for a /48 without
 *   an entry, miss: XG_DIR_FINAL | the /32's vector when no prefix of length 33..47 lies inside the /32 (so a
 *   /48 without a prefix >= /48 or a host inside has the /32's longest prefix), else XG_DIR_DEEPER;
 * - XG_DIR_DEEPER: the trie decides.
 * A /48 entry is XG_DIR_FINAL | vector [| XG_HOSTS_INSIDE] (no prefix longer than /48 inside) or XG_DIR_DEEPER.
 * A /32 without an entry takes xg_slot_config.dir6_miss[dimension]: XG_DIR_FINAL | the /0's vector when the
 * dimension has no IPv6 prefix of length 1..31, else XG_DIR_DEEPER. An entry that says what the miss over it
 * says is left out. Entries are written before the slot config that holds the misses, and a never-written
 * slot config says XG_DIR_DEEPER.
 *
 * xg_src6_dir/xg_dst6_dir: ARRAY of struct xg_dir6_bucket, a cuckoo table per slot: 2^dir6_bucket_bits
 * buckets from slot << dir6_bucket_bits, XG_DIR6_WAYS entries each. A block's key is its first 48 address
 * bits (a /32's last 16 zero) << 8 | its length, never 0 (0 marks a free way). It lies in one of two buckets,
 * (key * dir6_mult[dim][i]) >> (64 - dir6_bucket_bits) for i = 0, 1, and in the second only when the first is
 * full: a bucket fills from way 0 and never frees a way while it is built. Array lookups are inlined and the
 * multiply is one instruction: cheaper than two kernel hash lookups (jhash, a call, a key compare). The
 * agent builds each slot's table whole; multipliers that leave a block without a place are redrawn.
 * Entries per slot (both lengths together) are a load-time capacity: the loader sizes both maps to
 * XG_SLOTS * buckets, buckets = blocks / 2 rounded up to a power of two (a table at most half full;
 * XG_DIR6_BUCKETS is the object's default). A slot needing more gets its /32s in ascending order (each with its
 * /48s) as far as they fit, and dir6_miss_upto the /32 below the first one left out, so that a miss above it
 * goes to the trie; otherwise dir6_miss_upto is 0xffffffff.
 */
#define XG_DIR6_WAYS 4
#define XG_DIR6_BUCKETS 32768  /* per slot */
#define XG_DIR6_MAX_BUCKET_BITS 24
#define XG_DIR_NEXT 0x20000000u /* the bit of XG_DIR_CHUNK, which only IPv4 /16 entries carry */
struct xg_dir6_way {
	__u64 key;   /* as above; 0: free */
	__u32 entry; /* as above */
	__u32 miss;  /* XG_DIR_NEXT entries: the answer for a /48 without an entry; else 0 */
};
struct xg_dir6_bucket {
	struct xg_dir6_way way[XG_DIR6_WAYS];
};

/* xg_l4: ARRAY of struct xg_l4_entry, XG_SLOTS * XG_L4_ENTRIES entries; xg_sport: ARRAY of __u32
 * vector indices, XG_SLOTS * XG_SPORT_ENTRIES entries; index slot * ENTRIES + key. A vector index of
 * 0xffffffff means "use default_vec" (xg_l4: vec) or "none" (xg_l4: vec_sport_default). */
#define XG_VEC_NONE 0xffffffffu

/*
 * Most packets' source port is named by no rule: the source-port lookup then returns
 * default_vec[XG_DIM_SPORT], the rules without a source-port condition. vec_sport_default is the
 * AND of vec with that vector, interned like any other (its candidates: the rules in it that are
 * primary in L4 or source port), so such a packet searches one vector fewer, and when its header's
 * decides names a rule, no other. 8 bytes, what the kernel stores a 4-byte array value in anyway.
 */
struct xg_l4_entry {
	__u32 vec;               /* the rules matching this L4 key */
	__u32 vec_sport_default; /* vec AND default_vec[XG_DIM_SPORT], or XG_VEC_NONE */
};

/*
 * xg_memo: PERCPU_ARRAY of XG_MEMO_ENTRIES struct xg_memo_entry, written by the program only (the search memo). The
 * winning rule of a packet left with one to three vectors, the last an address dimension's (the common packet: its
 * L4 vector and its source vector), depends on nothing but those vector ids and the slot's contents, so it is
 * remembered per CPU: key = memo_epoch << 32 | first vector (0xffff: none) << 16 | last vector, third = the second
 * vector or XG_VEC_NONE, at index (key * XG_MEMO_MULT) >> (64 - XG_MEMO_BITS). Vectors are classes of packets, not flows: the
 * combinations a rule set has are few whatever the traffic, and a packet whose vectors are remembered skips the
 * last vector's header, its words and the search. A never-written entry (key 0) matches no packet, since
 * memo_epoch is never 0.
 */
#define XG_MEMO_BITS 10
#define XG_MEMO_ENTRIES (1 << XG_MEMO_BITS)
#define XG_MEMO_MULT 0x9e3779b97f4a7c15ULL
struct xg_memo_entry {
	__u64 key;
	__u32 third; /* a third vector, or XG_VEC_NONE */
	__s32 bit;   /* the winning rule bit, or -1: no rule matches */
};

/* xg_rl_rule: ARRAY indexed by counter_id; xg_rl_source: LRU_HASH keyed by xg_rl_source_key. */
struct xg_bucket {
	__u64 tokens_ns;  /* tokens scaled by 1e9 */
	__u64 last_ns;    /* bpf_ktime_get_ns() of the last refill */
};
struct xg_rl_source_key {
	__u32 counter_id;
	__u8 addr[16]; /* IPv4-mapped for IPv4 */
};

/* xg_samples: RINGBUF of struct xg_sample. */
struct xg_sample {
	__u64 timestamp_ns;
	__u32 ifindex;
	__u32 rule;        /* rule bit, or 0xffffffff for the default action */
	__u32 counter_id;  /* 0xffffffff for the default action */
	__u32 reason;      /* enum xg_reason */
	__u8 family;       /* 4 or 6 */
	__u8 protocol;
	__u16 sport;       /* host order; ICMP: type */
	__u16 dport;
	__u16 pad;
	__u8 saddr[16];    /* IPv4-mapped for IPv4 */
	__u8 daddr[16];
};

/* xg_owner: ARRAY, 1 entry, written by the agent only. */
#define XG_OWNER_MAGIC 0x7864706775617264ULL /* "xdpguard" */
struct xg_owner {
	__u64 magic;             /* XG_OWNER_MAGIC once the agent has claimed the pins */
	__u32 abi_version;       /* XG_ABI_VERSION of the object that created the maps */
	__u32 ifindex;           /* the interface the program is attached to */
	char ifname[16];
	__u8 object_sha256[32];  /* of the .o whose program is attached: a different one means upgrade */
	__u8 ruleset_sha256[32]; /* of the rule set in force: equal to the desired one means nothing to do */
};

/* xg_counter_keys: HASH counter_id -> the rule key ("filter/rule") owning it, so counters survive restarts. */
struct xg_counter_key {
	char key[256];
};

/* Load-time constants (const volatile in .rodata). */
/* xg_sample_limit_pps: samples per second per interface, kernel side (default 1000). */
/* xg_dir24_chunks (in .rodata.dir24, alone): /24 chunks per slot of xg_src4_dir24/xg_dst4_dir24. */

#endif
