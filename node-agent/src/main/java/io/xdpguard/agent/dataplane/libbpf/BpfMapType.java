package io.xdpguard.agent.dataplane.libbpf;

/** {@code enum bpf_map_type} (linux/bpf.h), the values this project meets plus UNKNOWN. */
public enum BpfMapType {
    UNSPEC(0),
    HASH(1),
    ARRAY(2),
    PROG_ARRAY(3),
    PERF_EVENT_ARRAY(4),
    PERCPU_HASH(5),
    PERCPU_ARRAY(6),
    STACK_TRACE(7),
    CGROUP_ARRAY(8),
    LRU_HASH(9),
    LRU_PERCPU_HASH(10),
    LPM_TRIE(11),
    ARRAY_OF_MAPS(12),
    HASH_OF_MAPS(13),
    DEVMAP(14),
    SOCKMAP(15),
    CPUMAP(16),
    XSKMAP(17),
    SOCKHASH(18),
    PERCPU_CGROUP_STORAGE(21),
    QUEUE(22),
    STACK(23),
    DEVMAP_HASH(25),
    RINGBUF(27),
    BLOOM_FILTER(30),
    /** A type not listed here; see {@link BpfMap#typeId()}. */
    UNKNOWN(-1);

    private final int id;

    BpfMapType(int id) {
        this.id = id;
    }

    /** The kernel's numeric value, -1 for {@link #UNKNOWN}. */
    public int id() {
        return id;
    }

    /** Values are stored once per possible CPU (lookups return one value per CPU). */
    public boolean isPerCpu() {
        return this == PERCPU_HASH || this == PERCPU_ARRAY || this == LRU_PERCPU_HASH
                || this == PERCPU_CGROUP_STORAGE;
    }

    public static BpfMapType of(int id) {
        for (BpfMapType t : values()) {
            if (t.id == id) {
                return t;
            }
        }
        return UNKNOWN;
    }
}
