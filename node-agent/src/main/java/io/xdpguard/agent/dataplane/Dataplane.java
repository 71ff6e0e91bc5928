package io.xdpguard.agent.dataplane;

import io.xdpguard.agent.dataplane.kernel.ReasonCounters;
import io.xdpguard.agent.dataplane.kernel.RuleCounters;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The node's XDP state behind one interface, so that domain code never touches libbpf: the real kernel
 * implementation for nodes and end-to-end tests, a fake for scale tests of the control plane.
 */
public interface Dataplane extends AutoCloseable {

    /**
     * Makes the kernel enforce exactly {@code plans}: attaches where needed, writes changed rule sets with one atomic
     * switch each, and releases (detaches and unpins) every interface of ours that no plan names any more. One
     * interface's failure never disturbs another's, nor what the failed one enforced before.
     *
     * @throws RuntimeException when nothing could be applied at all (e.g. another agent holds the pins): what is
     *                          enforced stays, and the caller tries again later
     */
    List<InterfaceReport> apply(List<InterfacePlan> plans);

    /**
     * {@link System#nanoTime()} when a rule set was last switched in (the one-word write that makes the kernel use
     * the newly written slot, on any interface); 0 before the first switch. For the switch-latency metric.
     */
    default long lastSwitchNanos() {
        return 0;
    }

    /**
     * Work that makes the next {@link #apply} fast, done while nothing is pending (e.g. filling a rule-set slot that
     * a start left empty or unknown). Changes nothing that is enforced; failures are logged, not thrown.
     */
    default void prepareNextChange() {
    }

    /**
     * Does the work of a change to the rules in force {@code rounds} times, so that the JIT compiles it before a real
     * change needs it: compiles, and writes only into the slots no packet reads, leaving them as they were. Changes
     * nothing that is enforced; failures are logged, not thrown.
     */
    default void rehearse(int rounds) {
    }

    /** The current state of every interface of ours, read from the kernel. */
    List<InterfaceReport> observe();

    /** Names of the interfaces with a program of ours attached ({@link #observe}). */
    default Set<String> attachedInterfaces() {
        Set<String> names = new TreeSet<>();
        observe().stream().filter(r -> r.programId() != 0).forEach(r -> names.add(r.name()));
        return names;
    }

    /** Counters of one interface: per rule key ("filter/rule") and per verdict reason. */
    Optional<Counters> counters(String interfaceName);

    /**
     * The filters with rules in force on this interface of ours, read from the kernel: right after an adoption from
     * the pinned rule keys, so a restarted agent knows what its predecessor enforced. Empty when they cannot be read
     * (e.g. pinned maps of another layout, rebuilt at the next apply).
     */
    default Optional<Set<String>> filtersInForce(String interfaceName) {
        return counters(interfaceName).map(c -> {
            Set<String> filters = new TreeSet<>();
            c.rules().keySet().forEach(key -> filters.add(key.substring(0, Math.max(0, key.indexOf('/')))));
            return filters;
        });
    }

    /** Detaches and unpins everything of ours on this host; says what it removed and what it could not. */
    Removal removeAll();

    /** What {@link #removeAll()} did, for the user; with failures, something of xdpguard's may be left. */
    record Removal(List<String> removed, List<String> failures) {
        public Removal {
            removed = List.copyOf(removed);
            failures = List.copyOf(failures);
        }

        public boolean complete() {
            return failures.isEmpty();
        }
    }

    @Override
    void close();

    /**
     * @param occupancy per table ("rules", "vectors", "vector_words", "src_prefixes", "src_hosts", "dst_prefixes",
     *                  "dst_hosts", "src_chunks", "dst_chunks", "src_ipv6_blocks", "dst_ipv6_blocks"): entries the
     *                  rule set in force uses against what one slot holds; empty while the rule set in force is unknown
     *                  (right after an adoption)
     */
    record Counters(Map<String, RuleCounters> rules, ReasonCounters reasons, Map<String, Occupancy> occupancy) {
    }

    /** Entries used against capacity, per slot. */
    record Occupancy(long used, long capacity) {
    }
}
