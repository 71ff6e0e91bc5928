package io.xdpguard.agent.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.xdpguard.agent.dataplane.Dataplane;
import io.xdpguard.agent.dataplane.InterfacePlan;
import io.xdpguard.agent.dataplane.InterfaceReport;
import io.xdpguard.agent.dataplane.Reason;
import io.xdpguard.agent.dataplane.kernel.RuleCounters;
import io.xdpguard.agent.dataplane.rules.MatchRule;
import io.xdpguard.api.v1alpha1.spec.RuleAction;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.ToDoubleFunction;

/**
 * The agent's Prometheus metrics (names and labels in docs/agent.md). Dataplane counters are function counters read
 * at scrape time, through a cache that reads each interface's maps at most once per second. Label values are filter,
 * rule and interface names, actions and verdict reasons: never addresses. Series of rules and interfaces that are no
 * longer enforced are removed at the next reconcile.
 */
public final class AgentMetrics {
    public static final String RULE_PACKETS = "xdpguard.rule.packets";
    public static final String RULE_BYTES = "xdpguard.rule.bytes";
    public static final String RULE_RATE_LIMITED = "xdpguard.rule.rate.limited";
    public static final String INTERFACE_PACKETS = "xdpguard.interface.packets";
    public static final String INTERFACE_BYTES = "xdpguard.interface.bytes";
    public static final String MAP_ENTRIES = "xdpguard.map.entries";
    public static final String MAP_CAPACITY = "xdpguard.map.capacity";
    public static final String APPLY_LATENCY = "xdpguard.apply.latency";
    public static final String SWITCH_LATENCY = "xdpguard.switch.latency";
    public static final String APPLY_FAILURES = "xdpguard.apply.failures";
    public static final String ATTACHED_INTERFACES = "xdpguard.attached.interfaces";
    public static final String NODE_STATE_WRITES = "xdpguard.node.state.writes";
    public static final String DROP_SAMPLES = "xdpguard.drop.samples";
    public static final String DROP_SAMPLE_LOGS_SUPPRESSED = "xdpguard.drop.samples.log.suppressed";
    public static final String AGENT_STATE = "xdpguard.agent.state";

    private static final long CACHE_MILLIS = 1000;
    private static final List<String> OCCUPANCY_TABLES = List.of("rules", "vectors", "vector_words", "src_prefixes",
            "src_hosts", "dst_prefixes", "dst_hosts", "src_chunks", "dst_chunks", "src_ipv6_blocks", "dst_ipv6_blocks");

    private final MeterRegistry registry;
    private final Dataplane dataplane;
    private final Timer applyLatency;
    private final Timer switchLatency;
    private final Counter dataplaneFailures;
    private final Counter interfaceFailures;
    private final Map<String, AtomicInteger> attached = new ConcurrentHashMap<>();
    private final Map<List<String>, List<Meter>> ruleMeters = new HashMap<>();
    /** Per interface, the plan whose rules have series: the one in force. */
    private final Map<String, InterfacePlan> rulesShown = new HashMap<>();
    private final Map<String, List<Meter>> interfaceMeters = new HashMap<>();
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();
    /** Per interface, the last counters read: what a failed or empty read reports instead. */
    private final Map<String, Dataplane.Counters> lastRead = new ConcurrentHashMap<>();
    /** The reconciler's state (its readiness reason); one series per reason seen, 1 for the current one. */
    private final Set<String> agentStates = ConcurrentHashMap.newKeySet();
    private volatile String agentState = "";

    private record Cached(long atMillis, Optional<Dataplane.Counters> counters) {
    }

    public AgentMetrics(MeterRegistry registry, Dataplane dataplane) {
        this.registry = registry;
        this.dataplane = dataplane;
        this.applyLatency = Timer.builder(APPLY_LATENCY)
                .description("From seeing a change to the dataplane apply returning")
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(30)).register(registry);
        this.switchLatency = Timer.builder(SWITCH_LATENCY)
                .description("From seeing a change to the atomic switch of the rule set it changed")
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(30)).register(registry);
        this.dataplaneFailures = Counter.builder(APPLY_FAILURES).tag("kind", "dataplane")
                .description("Applies that failed: the whole apply threw (kind=dataplane) or an interface failed (kind=interface)")
                .register(registry);
        this.interfaceFailures = Counter.builder(APPLY_FAILURES).tag("kind", "interface").register(registry);
        for (String mode : List.of("Native", "Generic")) {
            AtomicInteger count = new AtomicInteger();
            attached.put(mode, count);
            Gauge.builder(ATTACHED_INTERFACES, count, AtomicInteger::get).tag("mode", mode)
                    .description("Interfaces carrying the xdpguard program, by attach mode in use").register(registry);
        }
    }

    MeterRegistry registry() {
        return registry;
    }

    public void applied(long changeSeenNanos, long appliedNanos) {
        applyLatency.record(Duration.ofNanos(Math.max(0, appliedNanos - changeSeenNanos)));
    }

    /** A change seen at {@code changeSeenNanos} was switched in at {@code switchedNanos} (both System.nanoTime). */
    public void switched(long changeSeenNanos, long switchedNanos) {
        switchLatency.record(Duration.ofNanos(Math.max(0, switchedNanos - changeSeenNanos)));
    }

    /**
     * The reconciler is now in state {@code reason} (e.g. {@code Synced}, {@code HoldingAdoptedRules}): a state set, so
     * that an alert sees a node that changes nothing, which readiness alone hides (it stays ready).
     */
    public void agentState(String reason) {
        agentState = reason;
        if (agentStates.add(reason)) {
            Gauge.builder(AGENT_STATE, this, m -> reason.equals(m.agentState) ? 1 : 0).tag("reason", reason)
                    .description("1 for the reconciler's current state (its readiness reason), 0 for the others seen")
                    .strongReference(true).register(registry);
        }
    }

    public void dataplaneFailed() {
        dataplaneFailures.increment();
    }

    /** Updates attach-mode gauges, failure counts and the per-rule and per-interface series after an apply. */
    public synchronized void enforced(List<InterfacePlan> plans, List<InterfaceReport> reports, boolean countFailures) {
        Map<String, Integer> byMode = new HashMap<>();
        for (InterfaceReport report : reports) {
            if (report.attachMode() != null && report.programId() != 0) {
                byMode.merge(report.attachMode(), 1, Integer::sum);
            }
            if (countFailures && report.state() == InterfaceReport.State.FAILED) {
                interfaceFailures.increment();
            }
        }
        attached.forEach((mode, count) -> count.set(byMode.getOrDefault(mode, 0)));
        cache.clear();

        Map<String, InterfaceReport> reported = new HashMap<>();
        reports.forEach(r -> reported.put(r.name(), r));
        Map<String, InterfacePlan> shown = new HashMap<>();
        for (InterfacePlan plan : plans) {
            shown.put(plan.name(), inForce(plan, reported.get(plan.name()), rulesShown.get(plan.name())));
        }
        rulesShown.clear();
        rulesShown.putAll(shown);

        Map<List<String>, MatchRule> wanted = new HashMap<>();
        for (InterfacePlan plan : shown.values()) {
            for (MatchRule rule : plan.rules().rules()) {
                wanted.putIfAbsent(List.of(rule.filter(), rule.ruleName(), plan.name(), rule.action().name(),
                        rule.audit() ? "Audit" : "Enforce"), rule);
            }
        }
        ruleMeters.entrySet().removeIf(e -> {
            if (!wanted.containsKey(e.getKey())) {
                e.getValue().forEach(registry::remove);
                return true;
            }
            return false;
        });
        wanted.forEach((key, rule) -> ruleMeters.computeIfAbsent(key, k -> ruleMeters(k, rule)));

        List<String> interfaces = plans.stream().map(InterfacePlan::name).toList();
        lastRead.keySet().retainAll(interfaces);
        interfaceMeters.entrySet().removeIf(e -> {
            if (!interfaces.contains(e.getKey())) {
                e.getValue().forEach(registry::remove);
                return true;
            }
            return false;
        });
        interfaces.forEach(i -> interfaceMeters.computeIfAbsent(i, this::interfaceMeters));
    }

    /**
     * The plan whose rules the kernel enforces on an interface: the one shown before when the interface still reports
     * that rule set rather than this one (it failed to go in, or the whole apply failed: fail-static), else this one.
     */
    private static InterfacePlan inForce(InterfacePlan plan, InterfaceReport report, InterfacePlan shownBefore) {
        boolean keptBefore = report != null && shownBefore != null && report.ruleSetId() != null
                && report.ruleSetId().equals(shownBefore.ruleSetId())
                && !report.ruleSetId().equals(plan.ruleSetId());
        return keptBefore ? shownBefore : plan;
    }

    private List<Meter> ruleMeters(List<String> key, MatchRule rule) {
        String filter = key.get(0);
        String name = key.get(1);
        String iface = key.get(2);
        // enforcement: an Audit filter's Drop rule drops nothing, and sum by (action) must be able to tell.
        Tags tags = Tags.of("filter", filter, "rule", name, "interface", iface, "action", key.get(3),
                "enforcement", key.get(4));
        String ruleKey = filter + "/" + name;
        List<Meter> meters = new java.util.ArrayList<>();
        meters.add(counter(RULE_PACKETS, tags, "Packets matched by a rule", iface, c -> rule(c, ruleKey).packets()));
        meters.add(counter(RULE_BYTES, tags, "Bytes matched by a rule", iface, c -> rule(c, ruleKey).bytes()));
        if (rule.action() == RuleAction.RateLimit) {
            meters.add(counter(RULE_RATE_LIMITED, tags, "Packets a RateLimit rule dropped (over the rate)", iface,
                    c -> rule(c, ruleKey).rateLimited()));
        }
        return meters;
    }

    private List<Meter> interfaceMeters(String iface) {
        List<Meter> meters = new java.util.ArrayList<>();
        for (Reason reason : Reason.values()) {
            Tags tags = Tags.of("interface", iface, "reason", reason.label());
            meters.add(counter(INTERFACE_PACKETS, tags, "Packets by verdict reason (failsafe_pass, non_ip, malformed, samples_lost, ...)",
                    iface, c -> c.reasons().packets(reason)));
            meters.add(counter(INTERFACE_BYTES, tags, "Bytes by verdict reason", iface, c -> c.reasons().bytes(reason)));
        }
        for (String table : OCCUPANCY_TABLES) {
            Tags tags = Tags.of("interface", iface, "map", table);
            meters.add(Gauge.builder(MAP_ENTRIES, this, m -> occupancy(iface, table, Dataplane.Occupancy::used))
                    .tags(tags).description("Entries the rule set in force uses in one slot of a dataplane table")
                    .register(registry));
            meters.add(Gauge.builder(MAP_CAPACITY, this, m -> occupancy(iface, table, Dataplane.Occupancy::capacity))
                    .tags(tags).description("Entries one slot of a dataplane table holds").register(registry));
        }
        return meters;
    }

    private double occupancy(String iface, String table, java.util.function.ToLongFunction<Dataplane.Occupancy> field) {
        return read(iface).map(c -> c.occupancy().get(table)).map(o -> (double) field.applyAsLong(o)).orElse(Double.NaN);
    }

    private static RuleCounters rule(Dataplane.Counters counters, String key) {
        return counters.rules().getOrDefault(key, RuleCounters.ZERO);
    }

    private Meter counter(String name, Tags tags, String description, String iface, ToDoubleFunction<Dataplane.Counters> value) {
        return FunctionCounter.builder(name, this, m -> m.read(iface).map(value::applyAsDouble).orElse(0.0))
                .tags(tags).description(description).register(registry);
    }

    private Optional<Dataplane.Counters> read(String iface) {
        long now = System.currentTimeMillis();
        Cached cached = cache.get(iface);
        if (cached == null || now - cached.atMillis() > CACHE_MILLIS) {
            Optional<Dataplane.Counters> counters;
            try {
                counters = dataplane.counters(iface);
            } catch (RuntimeException e) {
                counters = Optional.empty();
            }
            if (counters.isPresent()) {
                lastRead.put(iface, counters.get());
            } else {
                // A failed read, or none while maps are rebuilt: reading 0 would look like a counter reset, and the
                // next good read like the whole total arriving at once.
                counters = Optional.ofNullable(lastRead.get(iface));
            }
            cached = new Cached(now, counters);
            cache.put(iface, cached);
        }
        return cached.counters();
    }
}
