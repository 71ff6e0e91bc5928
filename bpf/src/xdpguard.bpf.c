// SPDX-License-Identifier: GPL-2.0
/*
 * xdpguard: the XDP classifier. Parses the packet into four dimension keys (source, destination,
 * L4 class+value, source port), maps each to a rule bit-vector, ANDs the vectors and acts on the
 * lowest set bit (see xdpguard_abi.h for the data layout).
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "xdpguard_abi.h"
#include "parsing.h"
#include "maps.h"

#define NSEC_PER_SEC 1000000000ULL

#define XG_READ_ONCE(x) (*(volatile typeof(x) *)&(x))
#define XG_WRITE_ONCE(x, v) (*(volatile typeof(x) *)&(x) = (v))

/* Load-time constants. */
const volatile __u32 xg_sample_limit_pps = 1000;
/* /24 chunks per slot of the dir24 maps, set by the loader with their size. A section of its own, so that
 * the loader finds it as a whole internal map (.rodata.dir24) without looking up offsets in BTF. Frozen
 * read-only data: the verifier knows the value, as for a #define. */
const volatile __u32 xg_dir24_chunks SEC(".rodata.dir24") = XG_DIR24_CHUNKS;

#ifdef XG_BUILD_VARIANT
/* Test builds only (-DXG_BUILD_VARIANT=N): an object with different bytes but the same maps and
 * behaviour, so that tests can exercise an agent upgrade (program replaced, pinned maps reused). */
const volatile __u32 xg_build_variant = XG_BUILD_VARIANT;
#endif

/* Sample limiter: one window shared by all CPUs of this interface, so the limit is exact rather
 * than per CPU. Only touched by packets that are about to be sampled. */
__u64 xg_sample_win_start;
__u64 xg_sample_win_count;

enum {
	XG_PARSE_OK = 0,
	XG_PARSE_NON_IP,
	XG_PARSE_MALFORMED,
};

/* What classification and samples need from a parsed packet. */
struct xg_pkt {
	void *l3;          /* struct iphdr or struct ipv6hdr, bounds already checked */
	__u32 l4_index;    /* class * 65536 + value */
	__u32 sport_index; /* class * 65536 + source port, or XG_SPORT_NONE */
	__u16 sport;       /* host order; ICMP: type */
	__u16 dport;
	__u8 family;       /* 4 or 6 */
	__u8 protocol;     /* upper-layer protocol after IPv6 extension headers */
};

static __always_inline int xg_parse(void *data, void *data_end, struct xg_pkt *p)
{
	struct hdr_cursor nh = { .pos = data };
	struct l4_ports *ports;
	struct ethhdr *eth;
	__u32 cls;
	__u8 *type;
	int eth_type, proto, later = 0;

	eth_type = parse_ethhdr(&nh, data_end, &eth);
	if (eth_type < 0)
		return XG_PARSE_MALFORMED;

	if (eth_type == bpf_htons(ETH_P_IP)) {
		struct iphdr *iph;

		proto = parse_iphdr(&nh, data_end, &iph);
		if (proto < 0)
			return XG_PARSE_MALFORMED;
		later = ip_is_later_fragment(iph);
		p->l3 = iph;
		p->family = 4;
	} else if (eth_type == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6h;

		proto = parse_ip6hdr(&nh, data_end, &ip6h);
		if (proto < 0)
			return XG_PARSE_MALFORMED;
		proto = parse_ip6_exthdrs(&nh, data_end, proto, &later);
		if (proto < 0)
			return XG_PARSE_MALFORMED;
		p->l3 = ip6h;
		p->family = 6;
	} else {
		return XG_PARSE_NON_IP;
	}

	p->protocol = proto;
	p->sport = 0;
	p->dport = 0;
	p->sport_index = XG_SPORT_NONE;

	if (later) {
		p->l4_index = XG_L4_FRAGMENT * 65536 + proto +
			      (p->family == 6 ? XG_FRAGMENT_IPV6_OFFSET : 0);
		return XG_PARSE_OK;
	}

	switch (proto) {
	case IPPROTO_TCP:
		cls = XG_L4_TCP;
		goto ports;
	case IPPROTO_UDP:
		cls = XG_L4_UDP;
		goto ports;
	case IPPROTO_SCTP:
		cls = XG_L4_SCTP;
		goto ports;
	case IPPROTO_ICMP:
		if (p->family != 4)
			break;
		cls = XG_L4_ICMP;
		goto icmp;
	case IPPROTO_ICMPV6:
		if (p->family != 6)
			break;
		cls = XG_L4_ICMPV6;
		goto icmp;
	}
	p->l4_index = XG_L4_OTHER * 65536 + proto;
	return XG_PARSE_OK;

ports:
	if (parse_l4ports(&nh, data_end, &ports) < 0)
		return XG_PARSE_MALFORMED;
	p->sport = bpf_ntohs(ports->source);
	p->dport = bpf_ntohs(ports->dest);
	p->l4_index = cls * 65536 + p->dport;
	p->sport_index = cls * 65536 + p->sport;
	return XG_PARSE_OK;

icmp:
	if (parse_icmp_type(&nh, data_end, &type) < 0)
		return XG_PARSE_MALFORMED;
	p->sport = *type;
	p->l4_index = cls * 65536 + *type;
	return XG_PARSE_OK;
}

static __always_inline void xg_count(__u32 reason, __u64 bytes)
{
	struct xg_counter *c = bpf_map_lookup_elem(&xg_stats, &reason);

	if (c) {
		c->packets++;
		c->bytes += bytes;
	}
}

/* BPF has no popcount instruction. */
static __always_inline __u64 xg_popcount(__u64 x)
{
	x = x - ((x >> 1) & 0x5555555555555555ULL);
	x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
	x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
	return (x * 0x0101010101010101ULL) >> 56;
}

/* Count trailing zeros of a non-zero word; written out so it never becomes a table lookup. */
static __always_inline __u32 xg_ctz(__u64 x)
{
	__u32 n = 0;

	if (!(x & 0xffffffffULL)) {
		n += 32;
		x >>= 32;
	}
	if (!(x & 0xffff)) {
		n += 16;
		x >>= 16;
	}
	if (!(x & 0xff)) {
		n += 8;
		x >>= 8;
	}
	if (!(x & 0xf)) {
		n += 4;
		x >>= 4;
	}
	if (!(x & 0x3)) {
		n += 2;
		x >>= 2;
	}
	if (!(x & 0x1))
		n += 1;
	return n;
}

/* IPv4-mapped IPv6 address ::ffff:a.b.c.d, the form every 16-byte address key uses for IPv4. */
static __always_inline void xg_addr_v4mapped(__u8 *out, __be32 addr)
{
	__u32 w[4] = { 0, 0, bpf_htonl(0xffff), addr };

	__builtin_memcpy(out, w, 16);
}

static __always_inline void xg_addr16(__u8 *out, const struct xg_pkt *p, int dst)
{
	if (p->family == 4) {
		const struct iphdr *iph = p->l3;

		xg_addr_v4mapped(out, dst ? iph->daddr : iph->saddr);
	} else {
		const struct ipv6hdr *ip6h = p->l3;

		__builtin_memcpy(out, dst ? &ip6h->daddr : &ip6h->saddr, 16);
	}
}

static __always_inline const struct xg_vec_hdr *xg_vec(__u32 s, __u32 v)
{
	__u32 key;

	/* A vector index is local to its slot; never let a bad one reach the other slot. */
	if (v >= XG_MAX_VECTORS)
		return NULL;
	key = s * XG_MAX_VECTORS + v;
	return bpf_map_lookup_elem(&xg_vec_hdr, &key);
}

/* The way holding key in a dir6 table (xdpguard_abi.h), or NULL: its first bucket, and its second only
 * when the first is full. */
static __always_inline const struct xg_dir6_way *xg_dir6_find(void *dir6_map, __u32 s, __u64 key,
							   const __u64 *mult, __u32 bits)
{
	const struct xg_dir6_bucket *b;
	__u32 idx, i, w;

	for (i = 0; i < 2; i++) {
		/* bits is 1..XG_DIR6_MAX_BUCKET_BITS, so the bucket lies in this slot's share */
		idx = (s << bits) + (__u32)((key * mult[i]) >> (64 - bits));
		b = bpf_map_lookup_elem(dir6_map, &idx);
		if (!b)
			return NULL;
		for (w = 0; w < XG_DIR6_WAYS; w++)
			if (b->way[w].key == key)
				return &b->way[w];
		if (!b->way[XG_DIR6_WAYS - 1].key)
			return NULL;
	}
	return NULL;
}

/*
 * The IPv6 direct stage's answer for addr (network order) in dimension dim: its /32's entry, for a /32
 * whose entry is XG_DIR_NEXT its /48's, or the miss of the level that has no entry (for a /32, only up to
 * the slot's dir6_miss_upto). XG_DIR_FINAL | vector, or not final (the trie decides).
 */
static __always_inline __u32 xg_dir6(void *dir6_map, __u32 s, const __u8 *addr, __u32 dim,
				     const struct xg_slot_config *cfg)
{
	const struct xg_dir6_way *d;
	__u32 bits = cfg->dir6_bucket_bits, miss;
	__u64 top;

	/* A never-written slot config has 0: no table, every /32 takes the miss (XG_DIR_DEEPER there). */
	if (bits - 1 >= XG_DIR6_MAX_BUCKET_BITS)
		return cfg->dir6_miss[dim];
	__builtin_memcpy(&top, addr, 8);
	top = bpf_be64_to_cpu(top) >> 16; /* the first 48 bits */
	d = xg_dir6_find(dir6_map, s, (top & ~0xffffULL) << 8 | 32, cfg->dir6_mult[dim], bits);
	if (!d)
		return (top >> 16) <= cfg->dir6_miss_upto[dim] ? cfg->dir6_miss[dim] : XG_DIR_DEEPER;
	if (d->entry != XG_DIR_NEXT)
		return d->entry;
	miss = d->miss;
	d = xg_dir6_find(dir6_map, s, top << 8 | 48, cfg->dir6_mult[dim], bits);
	return d ? d->entry : miss;
}

/*
 * Source or destination vector. IPv4 first reads the /16 table and, for a /16 with a longer prefix
 * inside, its /24 chunk (arrays: inlined by the verifier, a few instructions each); IPv6 looks up
 * its /32 and maybe its /48 in a cuckoo table (array buckets too). Only what these do not answer goes
 * on to the trie. Then the exact host (a hash), but only when the answer carries XG_HOSTS_INSIDE, or
 * when the trie has no answer at all.
 */
static __always_inline __u32 xg_addr_vec(void *host_map, void *dir4_map, void *dir24_map,
					 void *dir6_map, void *lpm4_map, void *lpm6_map, __u32 s,
					 const struct xg_pkt *p, int dst, __u32 dflt,
					 const struct xg_slot_config *cfg)
{
	const struct xg_dir24_chunk *chunk;
	struct xg_host_key hk;
	__u32 slot_be = bpf_htonl(s);
	__u32 *v, *hv, found, idx, a, e = XG_DIR_DEEPER;

	/* Lays the IPv4 path out first: without the hint, with the IPv6 stage inlined, the IPv4 path measured
	 * 4-5 ns slower per packet, and the IPv6 one 2-3 ns. */
	if (__builtin_expect(p->family == 4, 1)) {
		const struct iphdr *iph = p->l3;
		__be32 addr = dst ? iph->daddr : iph->saddr;
		struct xg_lpm4_key k4;

		a = bpf_ntohl(addr);
		idx = s * XG_DIR4_ENTRIES + (a >> 16);
		v = bpf_map_lookup_elem(dir4_map, &idx);
		if (v)
			e = *v;
		/* A chunk index out of range must not reach the other slot's chunks. */
		if ((e & XG_DIR_CHUNK) && (e & XG_VEC_MASK) < xg_dir24_chunks) {
			idx = s * xg_dir24_chunks + (e & XG_VEC_MASK);
			chunk = bpf_map_lookup_elem(dir24_map, &idx);
			e = chunk ? chunk->entry[(a >> 8) & 0xff] : XG_DIR_DEEPER;
		}
		if (e & XG_DIR_FINAL) {
			found = e;
		} else {
			k4.prefixlen = 32 + 32;
			__builtin_memcpy(k4.slot, &slot_be, 4);
			__builtin_memcpy(k4.addr, &addr, 4);
			v = bpf_map_lookup_elem(lpm4_map, &k4);
			found = v ? *v : XG_HOSTS_INSIDE | dflt;
		}
	} else {
		const struct ipv6hdr *ip6h = p->l3;
		const __u8 *addr6 = (const __u8 *)(dst ? &ip6h->daddr : &ip6h->saddr);
		__u32 dim = dst ? XG_DIM_DST : XG_DIM_SRC;
		struct xg_lpm6_key k6;

		e = xg_dir6(dir6_map, s, addr6, dim, cfg);
		if (e & XG_DIR_FINAL) {
			found = e;
		} else {
			k6.prefixlen = 32 + 128;
			__builtin_memcpy(k6.slot, &slot_be, 4);
			__builtin_memcpy(k6.addr, addr6, 16);
			v = bpf_map_lookup_elem(lpm6_map, &k6);
			found = v ? *v : XG_HOSTS_INSIDE | dflt;
		}
	}
	if (found & XG_HOSTS_INSIDE) {
		hk.slot = p->family == 6 ? s | XG_HOST_KEY_IPV6 : s;
		xg_addr16(hk.addr, p, dst);
		hv = bpf_map_lookup_elem(host_map, &hk);
		if (hv)
			return *hv;
	}
	return found & XG_VEC_MASK;
}

/* Vector index from the source-port array. */
static __always_inline __u32 xg_array_vec(void *map, __u32 key, __u32 dflt)
{
	__u32 *v = bpf_map_lookup_elem(map, &key);

	return v && *v != XG_VEC_NONE ? *v : dflt;
}

static __always_inline __u64 xg_word(__u32 idx)
{
	__u64 *w = bpf_map_lookup_elem(&xg_vec_words, &idx);

	return w ? *w : 0;
}

/* Vectors a search ANDs: one per dimension, plus the enforced-rules vector of a search for the verdict
 * past an Audit rule. */
#define XG_SEARCH_VECS (XG_DIMS + 1)

/* The used dimensions' vectors, compacted: the search sees n of them, in lookup order. */
struct xg_search {
	__u64 sum[XG_SEARCH_VECS][XG_VEC_HALVES];  /* summaries */
	__u64 all[XG_VEC_HALVES];                  /* AND of the summaries: words non-zero in every vector */
	__u64 cand[XG_VEC_HALVES];                 /* OR of the candidate summaries, plus catch_all's word */
	__u32 base[XG_SEARCH_VECS][XG_VEC_HALVES]; /* words_base */
	__u32 n;                                   /* 1..XG_SEARCH_VECS */
	__u32 pad;
};

/* Word of a vector half whose non-zero words start at base, with sum & below flagging the ones
 * before it (its rank); w = popcount(below) is the word's index in the half. When every word below
 * is non-zero (a dense vector: rules of that vector spread over every word) the rank is w and needs
 * no popcount of its own; the first non-zero word needs none either. */
static __always_inline __u64 xg_rank_word(__u32 base, __u64 sum, __u64 below, __u32 w)
{
	__u64 x = sum & below;

	if (x == below)
		return xg_word(base + w);
	return xg_word(x ? base + xg_popcount(x) : base);
}

/*
 * Lowest rule bit set in all n vectors, or -1. Only words flagged in cand & all are visited:
 * all holds the words non-zero in every vector, cand those where a matching rule can be (see
 * xdpguard_abi.h), so a word shared by dense vectors without a candidate costs nothing.
 *
 * Global (not static) on purpose: the verifier checks it once, with unknown inputs, instead of
 * once per combination of used dimensions at the call site, which blew the 1M-insn budget.
 */
__noinline int xg_search(struct xg_search *sc)
{
	__u64 cand, low, below, word, s0, s1, s2, s3, s4;
	__u32 h, n, w, b0, b1, b2, b3, b4;
	int i;

	if (!sc)
		return -1;
	n = sc->n;

	for (h = 0; h < XG_VEC_HALVES; h++) {
		cand = sc->cand[h] & sc->all[h];
		if (!cand)
			continue;
		s0 = sc->sum[0][h];
		s1 = sc->sum[1][h];
		s2 = sc->sum[2][h];
		s3 = sc->sum[3][h];
		s4 = sc->sum[4][h];
		b0 = sc->base[0][h];
		b1 = sc->base[1][h];
		b2 = sc->base[2][h];
		b3 = sc->base[3][h];
		b4 = sc->base[4][h];
		for (i = 0; i < 64; i++) {
			if (!cand)
				break;
			low = cand & -cand;
			below = low - 1;
			w = xg_popcount(below);
			word = xg_rank_word(b0, s0, below, w);
			if (n > 1 && word)
				word &= xg_rank_word(b1, s1, below, w);
			if (n > 2 && word)
				word &= xg_rank_word(b2, s2, below, w);
			if (n > 3 && word)
				word &= xg_rank_word(b3, s3, below, w);
			if (n > 4 && word)
				word &= xg_rank_word(b4, s4, below, w);
			if (word)
				return ((h * 64 + w) << 6) + xg_ctz(word);
			cand ^= low;
		}
	}
	return -1;
}

/*
 * The search's first candidate word of half h (cand: that half's candidate words), inline: most
 * packets are decided there, cheaper without the call and the loop of xg_search. At most XG_DIMS
 * vectors: a search with the enforced-rules vector goes to xg_search. A word that
 * holds no common rule is struck from sc, so xg_search goes on with the next one. It repeats
 * xg_search's AND of the words on purpose: one helper for both measured 1-3 ns slower for IPv6. */
static __always_inline int xg_first_word(struct xg_search *sc, const __u32 h, __u64 cand)
{
	__u64 low = cand & -cand, below = low - 1, word;
	__u32 n = sc->n, w = xg_popcount(below);

	word = xg_rank_word(sc->base[0][h], sc->sum[0][h], below, w);
	if (n > 1 && word)
		word &= xg_rank_word(sc->base[1][h], sc->sum[1][h], below, w);
	if (n > 2 && word)
		word &= xg_rank_word(sc->base[2][h], sc->sum[2][h], below, w);
	if (n > 3 && word)
		word &= xg_rank_word(sc->base[3][h], sc->sum[3][h], below, w);
	if (word)
		return ((h * 64 + w) << 6) + xg_ctz(word);
	sc->cand[h] ^= low;
	return -1;
}

/* Lowest rule bit set in all vectors of sc, or -1: the first candidate word here, the rest in
 * xg_search. h is a constant in each call of xg_first_word: a variable index into sc would be
 * computed as a pointer OR, which the verifier rejects. */
static __always_inline int xg_search_all(struct xg_search *sc)
{
	__u64 c = sc->cand[0] & sc->all[0];
	int bit;

	if (c)
		bit = xg_first_word(sc, 0, c);
	else if ((c = sc->cand[1] & sc->all[1]))
		bit = xg_first_word(sc, 1, c);
	else
		return -1;
	return bit >= 0 ? bit : xg_search(sc);
}

/* Adds vector header hd to the search; 0 when nothing can match any more. */
static __always_inline int xg_add_hdr(struct xg_search *sc, const struct xg_vec_hdr *hd)
{
	__u32 n = sc->n;

	/* A missing vector (index out of range) is an empty one: nothing matches. */
	if (!hd || n >= XG_SEARCH_VECS)
		return 0;
	sc->sum[n][0] = hd->summary[0];
	sc->sum[n][1] = hd->summary[1];
	sc->base[n][0] = hd->words_base[0];
	sc->base[n][1] = hd->words_base[1];
	sc->all[0] &= hd->summary[0];
	sc->all[1] &= hd->summary[1];
	sc->cand[0] |= hd->cand[0];
	sc->cand[1] |= hd->cand[1];
	sc->n = n + 1;
	return (sc->all[0] | sc->all[1]) != 0;
}

/* Adds vector v of slot s to the search; 0 when nothing can match any more. */
static __always_inline int xg_add_vec(struct xg_search *sc, __u32 s, __u32 v)
{
	return xg_add_hdr(sc, xg_vec(s, v));
}

/* xg_pair's first candidate word, in half h (a constant: see xg_search_all); -2 when it holds no common rule. */
static __always_inline int xg_pair_word(const struct xg_search *sc, const struct xg_vec_hdr *b, const __u32 h,
					__u64 cand)
{
	__u64 low = cand & -cand, below = low - 1, word;
	__u32 w = xg_popcount(below);

	word = xg_rank_word(sc->base[0][h], sc->sum[0][h], below, w);
	if (word)
		word &= xg_rank_word(b->words_base[h], b->summary[h], below, w);
	if (word)
		return ((h * 64 + w) << 6) + xg_ctz(word);
	return -2;
}

/*
 * The search of a packet with two vectors, the one in sc and b (not added), in its first candidate word: the
 * lowest common rule, -1 when no word can hold one, -2 when the first word holds none (the full search goes on).
 * b is read in place: most packets with an L4 and one address dimension end here, and copying b into sc to read
 * it back measured 6-8 ns of the 1,000-rule packet (docs/benchmarks/dataplane.md).
 */
static __always_inline int xg_pair(const struct xg_search *sc, const struct xg_vec_hdr *b)
{
	__u64 c = (sc->cand[0] | b->cand[0]) & sc->all[0] & b->summary[0];

	if (c)
		return xg_pair_word(sc, b, 0, c);
	c = (sc->cand[1] | b->cand[1]) & sc->all[1] & b->summary[1];
	if (c)
		return xg_pair_word(sc, b, 1, c);
	return -1;
}

/*
 * The lowest rule common to the vectors in sc (a and b, each XG_VEC_NONE when absent) and vector c: the search,
 * remembered in this CPU's xg_memo (the search memo, xdpguard_abi.h).
 * Runs of the program do not nest on a CPU: XDP runs in softirq context, and the product's test runs (trace) use
 * a private instance from one thread. The entry is still written invalid first and valid last, so that a run
 * interrupting a writer sees it whole or not at all; a run interrupting a reader between its loads, or two writers
 * interleaving, could mix two entries (a test run of an attached program preempted by its softirq): guarding those
 * too (re-reading the key and checking the writes) measured 1-3 ns of every remembered packet, so it is not done.
 * -DXG_MEMO_FORCE_MISS (benchmarks only) never reads it: the cost of a packet whose vectors are not remembered.
 */
static __always_inline int xg_memo_search(struct xg_search *sc, __u32 s, const struct xg_slot_config *cfg,
					  __u32 a, __u32 b, __u32 c)
{
	const struct xg_vec_hdr *last;
	struct xg_memo_entry *m;
	__u64 key;
	__u32 idx;
	int bit;

	/* 16 bits of the key each: a passed xg_vec when it was added, c is checked as xg_vec would (an id out of range
	 * is an empty vector), b is kept whole. An absent a (a rule set whose one dimension is an address) becomes
	 * 0xffff, a valid id; no key of a present one meets it, since whether sc holds a vector follows from the
	 * slot's dimensions alone, and the slot's epoch is in the key. */
	if (c >= XG_MAX_VECTORS)
		return -1;
	key = (__u64)cfg->memo_epoch << 32 | (__u64)(a & 0xffff) << 16 | c;
	idx = (key * XG_MEMO_MULT) >> (64 - XG_MEMO_BITS);
	m = bpf_map_lookup_elem(&xg_memo, &idx);
#ifndef XG_MEMO_FORCE_MISS
	/* One test for both words: two measured 3 ns more for IPv6. */
	if (m && !((m->key ^ key) | (m->third ^ b)))
		return m->bit;
#endif
	last = xg_vec(s, c);
	if (!last)
		return -1;
	if (sc->n == 1) {
		bit = xg_pair(sc, last);
		if (bit == -2)
			bit = xg_add_hdr(sc, last) ? xg_search(sc) : -1;
	} else {
		bit = xg_add_hdr(sc, last) ? xg_search(sc) : -1;
	}
	if (m) {
		XG_WRITE_ONCE(m->key, 0);
		XG_WRITE_ONCE(m->third, b);
		XG_WRITE_ONCE(m->bit, bit);
		XG_WRITE_ONCE(m->key, key);
	}
	return bit;
}

/* Notes vector v, added to the search, for xg_memo's key: the first and the second added. */
static __always_inline void xg_note(__u32 *first, __u32 *second, __u32 v)
{
	if (*first == XG_VEC_NONE)
		*first = v;
	else
		*second = v;
}

/*
 * The lowest rule the cheap dimensions (already in sc, 1 or 2) leave, if no address can exclude
 * it, else -1. Every vector of a dimension holds that dimension's default vector (the rules that
 * do not constrain it), so a rule in the default vector of each address dimension left is in
 * whatever vector the address lookups would return. Only the first word shared by the cheap
 * vectors is tried: this is a shortcut, the full search stays the authority. For a packet whose
 * source port no rule names, the compiler has made the same decision already (xg_vec_hdr.decides);
 * this runs for the others, e.g. a flood matching "drop UDP source port 53". Global (not inlined): its
 * code on the common path, untaken, measured 2-4 ns of every packet.
 */
__noinline int xg_shortcut(const struct xg_search *sc, __u32 s, __u32 dflt_dst, __u32 dflt_src, __u32 used)
{
	const struct xg_vec_hdr *dd = NULL, *ds = NULL;
	__u64 all, low, below, word, bit;
	__u32 h, w;

	if (!sc)
		return -1;
	h = sc->all[0] ? 0 : 1;
	all = h ? sc->all[1] : sc->all[0];
	low = all & -all;

	/* A rule that does not constrain addresses is a candidate of L4, source port or catch_all:
	 * without one in this word, the lowest rule here constrains an address (or there is none). */
	if (!(low & (h ? sc->cand[1] : sc->cand[0])))
		return -1;
	/* Then summaries: most misses cost two array lookups. */
	if (used & (1u << XG_DIM_DST)) {
		dd = xg_vec(s, dflt_dst);
		if (!dd || !(dd->summary[h] & low))
			return -1;
	}
	if (used & (1u << XG_DIM_SRC)) {
		ds = xg_vec(s, dflt_src);
		if (!ds || !(ds->summary[h] & low))
			return -1;
	}

	below = low - 1;
	w = xg_popcount(below);
	word = xg_rank_word(sc->base[0][h], sc->sum[0][h], below, w);
	if (sc->n > 1)
		word &= xg_rank_word(sc->base[1][h], sc->sum[1][h], below, w);
	if (!word)
		return -1;
	bit = word & -word;
	if (dd && !(xg_rank_word(dd->words_base[h], dd->summary[h], below, w) & bit))
		return -1;
	if (ds && !(xg_rank_word(ds->words_base[h], ds->summary[h], below, w) & bit))
		return -1;
	return ((h * 64 + w) << 6) + xg_ctz(word);
}

/*
 * The winning rule bit, or -1 (no rule matches: default action). The cheap array dimensions go
 * first and every dimension narrows the shared summary, so a packet no rule can match skips
 * the expensive address lookups (hash, LPM trie) entirely.
 */
static __always_inline int xg_classify(const struct xg_slot_config *cfg, __u32 s,
				       const struct xg_pkt *p, struct xg_search *sc)
{
	const __u32 addr_dims = (1u << XG_DIM_SRC) | (1u << XG_DIM_DST);
	__u32 used = cfg->dims_used, catch_all = cfg->catch_all;
	const struct xg_l4_entry *l4;
	const struct xg_vec_hdr *last;
	/* sv: the source-port vector still to add; first, second: the vectors added (the memo's key) */
	__u32 v, key, first = XG_VEC_NONE, second = XG_VEC_NONE, sv = XG_VEC_NONE;
	int bit;

	/* No rule constrains anything: the first rule takes every packet. */
	if (!used)
		return catch_all < XG_MAX_RULES ? (int)catch_all : -1;
	/* The rule matching every packet is a candidate like the primary ones (its word is in every
	 * vector's summary); the search never looks beyond it. */
	if (catch_all < XG_MAX_RULES)
		sc->cand[catch_all >> 12] = 1ULL << ((catch_all >> 6) & 63);

	/* Source port first (a cheap array): when no rule names the packet's source port (or no rule
	 * names any), the L4 entry carries its vector already ANDed with that answer, and the search
	 * gets one vector fewer. */
	if (used & (1u << XG_DIM_SPORT))
		sv = xg_array_vec(&xg_sport, s * XG_SPORT_ENTRIES + p->sport_index,
				  cfg->default_vec[XG_DIM_SPORT]);
	if (used & (1u << XG_DIM_L4)) {
		key = s * XG_L4_ENTRIES + p->l4_index;
		l4 = bpf_map_lookup_elem(&xg_l4, &key);
		v = l4 && l4->vec != XG_VEC_NONE ? l4->vec : cfg->default_vec[XG_DIM_L4];
		if (l4 && (sv == XG_VEC_NONE || sv == cfg->default_vec[XG_DIM_SPORT]) &&
		    l4->vec_sport_default != XG_VEC_NONE) {
			sv = XG_VEC_NONE;
			last = xg_vec(s, l4->vec_sport_default);
			/* No address can exclude this rule: it wins. Hinted unlikely, as for the layout
			 * of xg_addr_vec: without the hint the 1,000-rule tcp6 packet measured 3-5 ns slower. */
			if (__builtin_expect(last && last->decides < XG_MAX_RULES, 0))
				return last->decides;
			first = l4->vec_sport_default;
			if (!xg_add_hdr(sc, last))
				return -1;
		} else {
			first = v;
			if (!xg_add_vec(sc, s, v))
				return -1;
		}
	}
	if (sv != XG_VEC_NONE) {
		xg_note(&first, &second, sv);
		if (!xg_add_vec(sc, s, sv))
			return -1;
	}
	if (!(used & addr_dims))
		return xg_search_all(sc);

	/* Address lookups (hash, LPM trie) cost more than all the rest together: skip them when
	 * their result cannot matter. Only when the source port's vector was added on its own: the
	 * compiler decided the others (decides). Not past an Audit rule: the verdict's search needs
	 * every vector of the packet. */
	if (sv != XG_VEC_NONE && cfg->enforced_vec == XG_VEC_NONE) {
		bit = xg_shortcut(sc, s, cfg->default_vec[XG_DIM_DST], cfg->default_vec[XG_DIM_SRC], used);
		if (bit >= 0)
			return bit;
	}

	if (used & (1u << XG_DIM_DST)) {
		v = xg_addr_vec(&xg_dst_host, &xg_dst4_dir, &xg_dst4_dir24, &xg_dst6_dir, &xg_dst4,
				&xg_dst6, s, p, 1, cfg->default_vec[XG_DIM_DST], cfg);
		if (used & (1u << XG_DIM_SRC)) {
			xg_note(&first, &second, v);
			if (!xg_add_vec(sc, s, v))
				return -1;
		}
	}
	if (used & (1u << XG_DIM_SRC))
		v = xg_addr_vec(&xg_src_host, &xg_src4_dir, &xg_src4_dir24, &xg_src6_dir, &xg_src4,
				&xg_src6, s, p, 0, cfg->default_vec[XG_DIM_SRC], cfg);
	/* v: the last address dimension's vector, not added yet; sc holds 0, 1 or 2 others. Past an Audit rule the
	 * verdict's search needs every vector in sc: no memo then. */
	if (sc->n <= 2 && cfg->enforced_vec == XG_VEC_NONE)
		return xg_memo_search(sc, s, cfg, first, second, v);
	last = xg_vec(s, v);
	if (!last)
		return -1;
	if (!xg_add_hdr(sc, last))
		return -1;
	return xg_search_all(sc);
}

/*
 * The verdict's rule when the first match is an Audit rule: the lowest rule in sc that is not one (sc
 * holds the packet's vectors, as xg_classify left them), or -1 (the default decides).
 */
static __always_inline int xg_enforced(struct xg_search *sc, __u32 s, const struct xg_slot_config *cfg)
{
	__u32 c = cfg->catch_all_enforced;

	if (!cfg->dims_used)
		return c < XG_MAX_RULES ? (int)c : -1;
	if (c < XG_MAX_RULES)
		sc->cand[c >> 12] |= 1ULL << ((c >> 6) & 63);
	if (!xg_add_vec(sc, s, cfg->enforced_vec))
		return -1;
	return xg_search(sc);
}

/* Refill (tokens * 1e9) earned in elapsed ns, capped at cap; compares against cap / rate
 * first, as elapsed * rate can overflow after a long idle time. */
static __always_inline __u64 xg_refill(__u64 elapsed, __u32 rate, __u64 cap)
{
	if (!rate)
		return 0;
	if (elapsed >= cap / rate)
		return cap;
	return elapsed * rate;
}

/*
 * Token bucket without a lock: the refill for [last_ns, now] is claimed by whoever swaps last_ns
 * (cmpxchg), so every nanosecond is credited once; tokens move by atomic adds and a failed take
 * gives its token back, so concurrent CPUs can only under-issue (a token transiently borrowed),
 * never over-issue. tokens_ns is signed in practice: it dips below zero while a failed take is
 * being undone. last_ns == 0 marks a fresh bucket, which starts full.
 */
static __always_inline int xg_bucket_take(struct xg_bucket *b, const struct xg_rule *r,
					  __u64 now)
{
	__u64 cap = (__u64)r->rate_burst * NSEC_PER_SEC;
	__u64 last = XG_READ_ONCE(b->last_ns);
	__s64 tokens = XG_READ_ONCE(b->tokens_ns);
	__u64 refill = 0;
	__s64 t;

	if (!last)
		refill = cap;
	else if (now > last)
		refill = xg_refill(now - last, r->rate_pps, cap);

	/* Not even the refill yields a token: drop without writing the shared cache line, leaving
	 * the interval unclaimed (a flood then costs no atomics). */
	if (tokens + (__s64)refill < (__s64)NSEC_PER_SEC)
		return 0;

	if (refill && __sync_val_compare_and_swap(&b->last_ns, last, now) == last) {
		t = __sync_fetch_and_add(&b->tokens_ns, refill) + refill;
		if (t > (__s64)cap)
			__sync_fetch_and_add(&b->tokens_ns, cap - t);
	}

	if ((__s64)__sync_fetch_and_add(&b->tokens_ns, -NSEC_PER_SEC) >= (__s64)NSEC_PER_SEC)
		return 1;
	__sync_fetch_and_add(&b->tokens_ns, NSEC_PER_SEC);
	return 0;
}

/* 1: within the rate. A bucket that cannot be had (counter out of range, LRU insert failed)
 * passes: a broken limiter must not black-hole traffic. */
static __always_inline int xg_rate_limit(const struct xg_rule *r, const struct xg_pkt *p,
					 __u64 now)
{
	struct xg_bucket *b;

	if (r->flags & XG_RULE_RL_PER_SOURCE) {
		struct xg_rl_source_key k;

		k.counter_id = r->counter_id;
		xg_addr16(k.addr, p, 0);
		b = bpf_map_lookup_elem(&xg_rl_source, &k);
		if (!b) {
			struct xg_bucket fresh = {};

			/* NOEXIST: a CPU racing us may have created it already, keep theirs. */
			bpf_map_update_elem(&xg_rl_source, &k, &fresh, BPF_NOEXIST);
			b = bpf_map_lookup_elem(&xg_rl_source, &k);
		}
	} else {
		__u32 id = r->counter_id;

		b = bpf_map_lookup_elem(&xg_rl_rule, &id);
	}
	if (!b)
		return 1;
	return xg_bucket_take(b, r, now);
}

/* Kernel-side sample budget: xg_sample_limit_pps per one-second window, all CPUs together. */
static __always_inline int xg_sample_budget(__u64 now)
{
	__u64 start = XG_READ_ONCE(xg_sample_win_start);
	__u64 limit = xg_sample_limit_pps;

	if (now - start >= NSEC_PER_SEC &&
	    __sync_val_compare_and_swap(&xg_sample_win_start, start, now) == start)
		__sync_lock_test_and_set(&xg_sample_win_count, 0);

	/* Plain read first: once the window is spent, stay off the shared line. */
	if (XG_READ_ONCE(xg_sample_win_count) >= limit)
		return 0;
	return __sync_fetch_and_add(&xg_sample_win_count, 1) < limit;
}

static __always_inline void xg_emit_sample(struct xdp_md *ctx, const struct xg_pkt *p,
					   const struct xg_rule *r, __u32 bit, __u32 reason,
					   __u64 now, __u64 bytes)
{
	struct xg_sample *smp;

	if (!xg_sample_budget(now))
		goto lost;
	smp = bpf_ringbuf_reserve(&xg_samples, sizeof(*smp), 0);
	if (!smp)
		goto lost;

	smp->timestamp_ns = now;
	smp->ifindex = ctx->ingress_ifindex;
	smp->rule = bit;
	smp->counter_id = r->counter_id;
	smp->reason = reason;
	smp->family = p->family;
	smp->protocol = p->protocol;
	smp->sport = p->sport;
	smp->dport = p->dport;
	smp->pad = 0;
	xg_addr16(smp->saddr, p, 0);
	xg_addr16(smp->daddr, p, 1);
	bpf_ringbuf_submit(smp, 0);
	return;
lost:
	xg_count(XG_R_SAMPLES_LOST, bytes);
}

/* Rule bit of slot s; NULL for -1 (no rule matched). */
static __always_inline const struct xg_rule *xg_rule_at(__u32 s, int bit)
{
	__u32 idx = s * XG_MAX_RULES + bit;

	if (bit < 0)
		return NULL;
	return bpf_map_lookup_elem(&xg_rules, &idx);
}

/*
 * 1 in sample_rate drops: counted by what is dropped, the over-rate packets for a RateLimit rule (its
 * packets alternate between passes and drops at twice the rate, and counting them would sample every
 * drop or none).
 */
static __always_inline int xg_sample_due(const struct xg_rule *rule, const struct xg_rule_stats *rs)
{
	__u64 n = rule->action == XG_ACT_RATE_LIMIT ? rs->rate_limited : rs->packets;

	return n % rule->sample_rate == 0;
}

/*
 * The first match is an Audit rule: it is counted as if enforced (its packets, and a would-drop for a
 * Drop rule or a RateLimit rule over its rate, sampled like a drop) but never decides the verdict, so
 * that an audited filter cannot open what an enforced one closes.
 */
static __always_inline void xg_audit(struct xdp_md *ctx, const struct xg_pkt *p,
				     const struct xg_rule *rule, __u32 bit, __u64 bytes)
{
	__u32 idx = rule->counter_id;
	struct xg_rule_stats *rs = bpf_map_lookup_elem(&xg_rule_stats, &idx);
	__u64 now = 0;

	if (rs) {
		rs->packets++;
		rs->bytes += bytes;
	}
	if (rule->action == XG_ACT_RATE_LIMIT) {
		now = bpf_ktime_get_ns();
		if (xg_rate_limit(rule, p, now))
			return;
		if (rs)
			rs->rate_limited++;
	} else if (rule->action != XG_ACT_DROP) {
		return;
	}
	xg_count(XG_R_AUDIT_WOULD_DROP, bytes);
	if (rule->sample_rate && rs && xg_sample_due(rule, rs)) {
		if (!now)
			now = bpf_ktime_get_ns();
		xg_emit_sample(ctx, p, rule, bit, XG_R_AUDIT_WOULD_DROP, now, bytes);
	}
}

SEC("xdp")
int xdpguard(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u64 bytes = data_end - data;
	const struct xg_slot_config *cfg;
	const struct xg_active *act;
	const struct xg_rule *rule;
	struct xg_rule_stats *rs;
	struct xg_search sc = {
		.all = { ~0ULL, ~0ULL },
	};
	struct xg_pkt pkt;
	__u32 s, key = 0, reason, idx;
	int bit, ret, verdict = XDP_PASS, sample = 0;
	__u64 now = 0;

	ret = xg_parse(data, data_end, &pkt);
	if (ret != XG_PARSE_OK) {
		/* Malformed frames are passed, not dropped: the kernel stack discards garbage
		 * itself, and we never classify what we cannot parse. */
		xg_count(ret == XG_PARSE_NON_IP ? XG_R_NON_IP : XG_R_MALFORMED, bytes);
		return XDP_PASS;
	}

	act = bpf_map_lookup_elem(&xg_active, &key);
	if (!act)
		goto no_rules;
	/* Read the slot once: every lookup of this packet must see the same generation. */
	s = XG_READ_ONCE(act->slot);
	cfg = bpf_map_lookup_elem(&xg_slot_config, &s);
	if (!cfg || !cfg->rule_count)
		goto no_rules;

	bit = xg_classify(cfg, s, &pkt, &sc);
	rule = xg_rule_at(s, bit);
	if (!rule)
		goto dflt;
	if (rule->flags & XG_RULE_AUDIT) {
		xg_audit(ctx, &pkt, rule, bit, bytes);
		bit = xg_enforced(&sc, s, cfg);
		rule = xg_rule_at(s, bit);
		if (!rule)
			goto dflt;
	}

	idx = rule->counter_id;
	rs = bpf_map_lookup_elem(&xg_rule_stats, &idx);
	if (rs) {
		rs->packets++;
		rs->bytes += bytes;
	}

	/* Not an Audit rule: xg_enforced never returns one. */
	switch (rule->action) {
	case XG_ACT_DROP:
		sample = 1;
		reason = XG_R_RULE_DROP;
		verdict = XDP_DROP;
		break;
	case XG_ACT_RATE_LIMIT:
		now = bpf_ktime_get_ns();
		if (xg_rate_limit(rule, &pkt, now)) {
			reason = XG_R_RATE_LIMIT_PASS;
			break;
		}
		if (rs)
			rs->rate_limited++;
		sample = 1;
		reason = XG_R_RATE_LIMIT_DROP;
		verdict = XDP_DROP;
		break;
	default: /* XG_ACT_PASS; an unknown action passes too */
		reason = rule->flags & XG_RULE_FAILSAFE ? XG_R_FAILSAFE_PASS : XG_R_RULE_PASS;
		break;
	}
	xg_count(reason, bytes);

	if (sample && rule->sample_rate && rs && xg_sample_due(rule, rs)) {
		if (!now)
			now = bpf_ktime_get_ns();
		xg_emit_sample(ctx, &pkt, rule, bit, reason, now, bytes);
	}
	return verdict;

dflt:
	switch (cfg->default_action) {
	case XG_DEFAULT_DROP:
		xg_count(XG_R_DEFAULT_DROP, bytes);
		return XDP_DROP;
	case XG_DEFAULT_AUDIT_DROP:
		xg_count(XG_R_DEFAULT_AUDIT_DROP, bytes);
		return XDP_PASS;
	default: /* XG_DEFAULT_PASS; an unknown value passes too */
		xg_count(XG_R_DEFAULT_PASS, bytes);
		return XDP_PASS;
	}

no_rules:
	xg_count(XG_R_NO_RULES, bytes);
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
