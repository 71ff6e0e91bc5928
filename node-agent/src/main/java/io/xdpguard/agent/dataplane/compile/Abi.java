package io.xdpguard.agent.dataplane.compile;

/** Constants of bpf/include/xdpguard_abi.h that the compiler needs; AbiLayoutTest checks them against the object. */
public final class Abi {
    public static final int SLOTS = 2;
    public static final int MAX_RULES = 8192;
    public static final int WORDS_PER_VECTOR = MAX_RULES / 64;
    public static final int MAX_VECTORS = 65536;
    public static final int MAX_WORDS = 262144;
    public static final int MAX_COUNTERS = 16384;

    public static final int DIM_SRC = 0;
    public static final int DIM_DST = 1;
    public static final int DIM_L4 = 2;
    public static final int DIM_SPORT = 3;
    public static final int DIMS = 4;

    public static final int L4_TCP = 0;
    public static final int L4_UDP = 1;
    public static final int L4_SCTP = 2;
    public static final int L4_ICMP = 3;
    public static final int L4_ICMPV6 = 4;
    public static final int L4_OTHER = 5;
    public static final int L4_FRAGMENT = 6;
    public static final int L4_CLASSES = 7;
    public static final int L4_ENTRIES = L4_CLASSES * 65536;
    /** A later IPv6 fragment's L4 value is this plus its next header, so ICMP and ICMPv6 fragments differ. */
    public static final int FRAGMENT_IPV6_OFFSET = 256;
    public static final int SPORT_NONE = 3 * 65536;
    public static final int SPORT_ENTRIES = 3 * 65536 + 1;
    /** LPM value flag: the host table holds exact addresses inside this prefix (and inside no longer one). */
    public static final int HOSTS_INSIDE = 0x80000000;
    /** In a host key's slot word: the address is IPv6 (an IPv4 host is keyed by its IPv4-mapped form without it). */
    public static final int HOST_KEY_IPV6 = 0x80000000;
    /** Entries per slot of the IPv4 /16 tables (xg_src4_dir, xg_dst4_dir): one per value of an address's top 16 bits. */
    public static final int DIR4_ENTRIES = 65536;
    /**
     * The object's /24 chunks per slot of the IPv4 /24 tables (xg_src4_dir24, xg_dst4_dir24), 256 entries each; the
     * loader may size them for another count ({@code MapCapacities}), which the compiler then takes from the maps.
     */
    public static final int DIR24_CHUNKS = 1024;
    /** Most /24 chunks a slot can use: one per /16. */
    public static final int DIR24_MAX_CHUNKS = 65536;
    /** Direct-table flag: the entry is the answer for the whole /16 or /24 (vector, maybe {@link #HOSTS_INSIDE}). */
    public static final int DIR_FINAL = 0x40000000;
    /** /16-table flag: a longer prefix lies inside; the entry's low bits are the index of the /16's /24 chunk. */
    public static final int DIR_CHUNK = 0x20000000;
    /**
     * IPv6 /32 entry flag: a longer prefix lies inside; the /48 entries (xg_src6_dir, xg_dst6_dir) decide, or the
     * entry's miss for a /48 without one. The bit of {@link #DIR_CHUNK}, which only IPv4 /16 entries carry.
     */
    public static final int DIR_NEXT = 0x20000000;
    /** Ways of a bucket of the IPv6 direct tables (xg_src6_dir, xg_dst6_dir): cuckoo tables, see {@link Dir6Table}. */
    public static final int DIR6_WAYS = 4;
    /** The object's buckets per slot of the IPv6 direct tables. */
    public static final int DIR6_BUCKETS = 32768;
    /** Most buckets per slot (log2) the program accepts. */
    public static final int DIR6_MAX_BUCKET_BITS = 24;
    /** The object's IPv6 /32 and /48 entries per slot: its buckets at most half full. */
    public static final int DIR6_BLOCKS = DIR6_BUCKETS * DIR6_WAYS / 2;
    /** Most IPv6 entries per slot: {@link #DIR6_MAX_BUCKET_BITS} buckets at most half full. */
    public static final int DIR6_MAX_BLOCKS = (1 << DIR6_MAX_BUCKET_BITS) * DIR6_WAYS / 2;
    /** Direct-table value without a flag (0, what a never-written entry holds): the LPM trie decides. */
    public static final int DIR_DEEPER = 0;
    /** An address map's or direct table's value without its flags: the vector id (or chunk index). */
    public static final int VEC_MASK = 0x1fffffff;

    public static final int ACT_PASS = 0;
    public static final int ACT_DROP = 1;
    public static final int ACT_RATE_LIMIT = 2;

    public static final int RULE_AUDIT = 1;
    public static final int RULE_FAILSAFE = 1 << 1;
    public static final int RULE_RL_PER_SOURCE = 1 << 2;

    public static final int DEFAULT_PASS = 0;
    public static final int DEFAULT_DROP = 1;
    public static final int DEFAULT_AUDIT_DROP = 2;

    private Abi() {
    }
}
