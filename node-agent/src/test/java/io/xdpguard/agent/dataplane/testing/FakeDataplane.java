package io.xdpguard.agent.dataplane.testing;

import io.xdpguard.agent.dataplane.Dataplane;
import io.xdpguard.agent.dataplane.InterfacePlan;
import io.xdpguard.agent.dataplane.InterfaceReport;
import io.xdpguard.agent.dataplane.rules.MatchRule;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/** A dataplane in memory: enforces every plan at once and records them, for tests of everything above the kernel. */
public final class FakeDataplane implements Dataplane {
    private final Map<String, InterfacePlan> enforced = new TreeMap<>();
    private final Map<String, InterfaceReport.ForeignProgram> foreign = new TreeMap<>();
    private int applies;
    private int writes;
    private int preparesAfterLastApply;
    private int rehearsals;
    private int failingApplies;

    /** The next {@code n} applies throw, as when nothing can be applied at all (another agent holds the pins). */
    public synchronized void failNextApplies(int n) {
        failingApplies = n;
    }

    @Override
    public synchronized List<InterfaceReport> apply(List<InterfacePlan> plans) {
        applies++;
        if (failingApplies > 0) {
            failingApplies--;
            throw new IllegalStateException("another xdpguard agent manages the pins (fake)");
        }
        preparesAfterLastApply = 0;
        Map<String, InterfacePlan> next = new TreeMap<>();
        for (InterfacePlan plan : plans) {
            if (foreign.containsKey(plan.name())) {
                continue; // left alone, as the kernel dataplane does without takeOverForeign
            }
            InterfacePlan before = enforced.get(plan.name());
            if (before == null || !before.ruleSetId().equals(plan.ruleSetId())) {
                writes++;
            }
            next.put(plan.name(), plan);
        }
        enforced.clear();
        enforced.putAll(next);
        return observe();
    }

    @Override
    public synchronized List<InterfaceReport> observe() {
        List<InterfaceReport> out = new ArrayList<>();
        int index = 1;
        for (InterfacePlan plan : enforced.values()) {
            out.add(new InterfaceReport(plan.name(), index, InterfaceReport.State.ENFORCING, "Native", 1000 + index,
                    plan.rules().rules().size(), plan.ruleSetId(), null, "enforcing"));
            index++;
        }
        for (Map.Entry<String, InterfaceReport.ForeignProgram> e : foreign.entrySet()) {
            out.add(new InterfaceReport(e.getKey(), index++, InterfaceReport.State.CONFLICT, null, 0, 0, null, e.getValue(),
                    "foreign XDP program " + e.getValue().programId() + " left alone"));
        }
        return out;
    }

    /**
     * Simulates a foreign XDP program on {@code name}: plans for it are not enforced and it is reported as a
     * {@link InterfaceReport.State#CONFLICT}.
     */
    public synchronized void foreignProgram(String name, long programId, String programName) {
        foreign.put(name, new InterfaceReport.ForeignProgram(programId, programName));
        enforced.remove(name);
    }

    /** The plan in force on an interface. */
    public synchronized Optional<InterfacePlan> enforced(String name) {
        return Optional.ofNullable(enforced.get(name));
    }

    /** How many rule-set writes (changed plans) happened so far. */
    public synchronized int writes() {
        return writes;
    }

    public synchronized int applies() {
        return applies;
    }

    @Override
    public synchronized void prepareNextChange() {
        preparesAfterLastApply++;
    }

    @Override
    public synchronized void rehearse(int rounds) {
        rehearsals += rounds;
    }

    /** Rounds of {@link #rehearse} so far. */
    public synchronized int rehearsals() {
        return rehearsals;
    }

    /** How often {@link #prepareNextChange} was called since the last apply. */
    public synchronized int preparesAfterLastApply() {
        return preparesAfterLastApply;
    }

    @Override
    public Optional<Counters> counters(String interfaceName) {
        return Optional.empty();
    }

    @Override
    public synchronized Optional<Set<String>> filtersInForce(String interfaceName) {
        return Optional.of(enforced(interfaceName).map(p -> p.rules().rules().stream().map(MatchRule::filter)
                .collect(Collectors.toCollection(TreeSet::new))).orElseGet(TreeSet::new));
    }

    @Override
    public synchronized Removal removeAll() {
        List<String> removed = enforced.keySet().stream().map(n -> "detached " + n).toList();
        enforced.clear();
        return new Removal(removed, List.of());
    }

    @Override
    public void close() {
    }
}
