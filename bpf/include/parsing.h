/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * Packet parsing helpers, in the style of xdp-tools' parsing_helpers.h: a cursor walks the
 * packet; every parse_*() checks bounds before it reads, advances the cursor past the header and
 * returns the next protocol, or -1 when the header is truncated or invalid. Loops are bounded by
 * constants so the verifier can unroll them.
 */
#ifndef XG_PARSING_H
#define XG_PARSING_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define XG_VLAN_MAX_DEPTH 2 /* a third tag makes the frame malformed */
#define XG_IPV6_MAX_EXT 6   /* after this many, the next header's number is the protocol */

/* Not in the UAPI headers. */
#define XG_IP_MF 0x2000
#define XG_IP_OFFSET 0x1fff
#define XG_IP6_OFFSET 0xfff8 /* fragment offset bits of frag_hdr.frag_off */

struct hdr_cursor {
	void *pos;
};

struct vlan_hdr {
	__be16 h_vlan_TCI;
	__be16 h_vlan_encapsulated_proto;
};

/* IPv6 fragment header (the UAPI has no definition). */
struct frag_hdr {
	__u8 nexthdr;
	__u8 reserved;
	__be16 frag_off;
	__be32 identification;
};

/* The first 4 bytes of TCP, UDP and SCTP: the ports are all we classify on, so a header cut
 * after them is still classified. */
struct l4_ports {
	__be16 source;
	__be16 dest;
};

static __always_inline int proto_is_vlan(__u16 h_proto)
{
	return h_proto == bpf_htons(ETH_P_8021Q) || h_proto == bpf_htons(ETH_P_8021AD);
}

/*
 * Ethernet plus at most XG_VLAN_MAX_DEPTH tags (0x8100 and 0x88a8, in any order). Returns the
 * inner ethertype in network byte order.
 */
static __always_inline int parse_ethhdr(struct hdr_cursor *nh, void *data_end,
					struct ethhdr **ethhdr)
{
	struct ethhdr *eth = nh->pos;
	struct vlan_hdr *vlh;
	__u16 h_proto;
	int i;

	if ((void *)(eth + 1) > data_end)
		return -1;
	*ethhdr = eth;
	vlh = (void *)(eth + 1);
	h_proto = eth->h_proto;

#pragma unroll
	for (i = 0; i < XG_VLAN_MAX_DEPTH; i++) {
		if (!proto_is_vlan(h_proto))
			break;
		if ((void *)(vlh + 1) > data_end)
			return -1;
		h_proto = vlh->h_vlan_encapsulated_proto;
		vlh++;
	}
	if (proto_is_vlan(h_proto))
		return -1;

	nh->pos = vlh;
	return h_proto;
}

/* IPv4: version 4, IHL >= 5, the whole header (options included) inside the packet. */
static __always_inline int parse_iphdr(struct hdr_cursor *nh, void *data_end,
				       struct iphdr **iphdr)
{
	struct iphdr *iph = nh->pos;
	int hdrsize;

	if ((void *)(iph + 1) > data_end)
		return -1;
	if (iph->version != 4 || iph->ihl < 5)
		return -1;
	hdrsize = iph->ihl * 4;
	if (nh->pos + hdrsize > data_end)
		return -1;

	nh->pos += hdrsize;
	*iphdr = iph;
	return iph->protocol;
}

/* Offset != 0: no L4 header in this fragment. A first fragment (offset 0, MF) is a whole packet
 * as far as classification goes. */
static __always_inline int ip_is_later_fragment(const struct iphdr *iph)
{
	return (iph->frag_off & bpf_htons(XG_IP_OFFSET)) != 0;
}

static __always_inline int parse_ip6hdr(struct hdr_cursor *nh, void *data_end,
					struct ipv6hdr **ip6hdr)
{
	struct ipv6hdr *ip6h = nh->pos;

	if ((void *)(ip6h + 1) > data_end)
		return -1;
	if (ip6h->version != 6)
		return -1;

	nh->pos = ip6h + 1;
	*ip6hdr = ip6h;
	return ip6h->nexthdr;
}

/*
 * Walks at most XG_IPV6_MAX_EXT extension headers (hop-by-hop, routing, destination options,
 * fragment, AH) starting at nexthdr. Returns the upper-layer protocol; *later_frag is set (and
 * the walk stops) at a fragment header with a non-zero offset, the return value then being the
 * fragment header's next header. After XG_IPV6_MAX_EXT headers it returns the next one's number
 * (an extension header): the packet is classified without ports, not passed unclassified, as the
 * stack would deliver it. -1: a truncated header.
 */
static __always_inline int parse_ip6_exthdrs(struct hdr_cursor *nh, void *data_end,
					     int nexthdr, int *later_frag)
{
	struct ipv6_opt_hdr *opt;
	struct frag_hdr *fh;
	int i, len;

#pragma unroll
	for (i = 0; i < XG_IPV6_MAX_EXT; i++) {
		switch (nexthdr) {
		case IPPROTO_HOPOPTS:
		case IPPROTO_ROUTING:
		case IPPROTO_DSTOPTS:
		case IPPROTO_AH:
			opt = nh->pos;
			if ((void *)(opt + 1) > data_end)
				return -1;
			/* AH counts 4-byte units minus 2, the others 8-byte units minus 1. */
			if (nexthdr == IPPROTO_AH)
				len = (opt->hdrlen + 2) << 2;
			else
				len = (opt->hdrlen + 1) << 3;
			if (nh->pos + len > data_end)
				return -1;
			nexthdr = opt->nexthdr;
			nh->pos += len;
			break;
		case IPPROTO_FRAGMENT:
			fh = nh->pos;
			if ((void *)(fh + 1) > data_end)
				return -1;
			nexthdr = fh->nexthdr;
			nh->pos = fh + 1;
			if (fh->frag_off & bpf_htons(XG_IP6_OFFSET)) {
				*later_frag = 1;
				return nexthdr;
			}
			break;
		default:
			return nexthdr;
		}
	}
	return nexthdr;
}

/* TCP/UDP/SCTP: the 4 port bytes must be present. Returns 0. */
static __always_inline int parse_l4ports(struct hdr_cursor *nh, void *data_end,
					 struct l4_ports **ports)
{
	struct l4_ports *p = nh->pos;

	if ((void *)(p + 1) > data_end)
		return -1;
	nh->pos = p + 1;
	*ports = p;
	return 0;
}

/* ICMP/ICMPv6: only the type byte must be present. Returns the type. */
static __always_inline int parse_icmp_type(struct hdr_cursor *nh, void *data_end, __u8 **type)
{
	__u8 *t = nh->pos;

	if ((void *)(t + 1) > data_end)
		return -1;
	nh->pos = t + 1;
	*type = t;
	return *t;
}

#endif
