package io.xdpguard.agent.cluster;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.xdpguard.agent.dataplane.InterfaceReport;
import io.xdpguard.agent.plan.FilterError;
import io.xdpguard.api.v1alpha1.status.AttachedInterface;
import io.xdpguard.api.v1alpha1.status.FilterNodeStatus;
import io.xdpguard.api.v1alpha1.status.FilterPhase;
import io.xdpguard.api.v1alpha1.status.InterfaceConflict;
import io.xdpguard.api.v1alpha1.status.XdpNodeStateStatus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Computes this node's XdpNodeState status from what the kernel reports (InterfaceReports), never from what was
 * merely intended: a filter's applied generation is the one contained in the rule set actually in force on its
 * interfaces (rule-set ids are mapped back to the filter generations they were built from).
 */
final class NodeStatusBuilder {
    static final String READY = "Ready";

    /** Per rule-set id: each filter's generation and compiled rule count in it. */
    record Content(long generation, int ruleCount) {
    }

    /** Everything one reconcile knows. */
    record Inputs(String node, String agentVersion, String kernelVersion, boolean bpffsMounted,
            Map<String, LastGood.Resolved> filters, Map<String, List<String>> filtersByInterface,
            List<FilterError> planErrors, List<InterfaceReport> reports, Map<String, Map<String, Content>> contents,
            String applyError) {
    }

    private NodeStatusBuilder() {
    }

    static XdpNodeStateStatus build(Inputs in, XdpNodeStateStatus previous) {
        XdpNodeStateStatus status = new XdpNodeStateStatus();
        status.setNode(in.node());
        status.setAgentVersion(in.agentVersion());
        status.setKernelVersion(in.kernelVersion());
        status.setBpffsMounted(in.bpffsMounted());
        Map<String, InterfaceReport> reports = new TreeMap<>();
        in.reports().forEach(r -> reports.put(r.name(), r));

        List<FilterNodeStatus> filters = new ArrayList<>();
        for (LastGood.Resolved f : in.filters().values()) {
            filters.add(filter(f, in, reports));
        }
        status.setFilters(filters);
        status.setFilterCount(filters.size());

        List<InterfaceConflict> conflicts = new ArrayList<>();
        for (InterfaceReport r : reports.values()) {
            if (r.state() == InterfaceReport.State.CONFLICT && r.conflict() != null) {
                conflicts.add(new InterfaceConflict(r.name(), r.conflict().programId(), r.conflict().programName(),
                        r.message() == null ? "a foreign XDP program holds the interface; left untouched" : r.message()));
            }
        }
        status.setConflicts(conflicts);

        boolean ready = in.applyError() == null;
        long enforcing = filters.stream().filter(f -> f.phase() == FilterPhase.Enforcing).count();
        long failed = filters.stream().filter(f -> f.phase() == FilterPhase.Failed).count();
        Condition condition = new ConditionBuilder().withType(READY).withStatus(ready ? "True" : "False")
                .withReason(ready ? (failed == 0 ? "Synced" : "SyncedWithFailures") : "ApplyFailed")
                .withMessage(ready ? enforcing + " filter(s) enforcing, " + failed + " failed, on "
                        + reports.values().stream().filter(r -> r.programId() != 0).count() + " interface(s)"
                        : "dataplane apply failed, what was in force stays: " + in.applyError())
                .build();
        Condition before = previous == null || previous.getConditions() == null ? null
                : previous.getConditions().stream().filter(c -> READY.equals(c.getType())).findFirst().orElse(null);
        condition.setLastTransitionTime(before != null && Objects.equals(before.getStatus(), condition.getStatus())
                ? before.getLastTransitionTime() : Instant.now().toString());
        status.setConditions(List.of(condition));
        return status;
    }

    private static FilterNodeStatus filter(LastGood.Resolved f, Inputs in, Map<String, InterfaceReport> reports) {
        if (!f.selected()) {
            return new FilterNodeStatus(f.name(), null, FilterPhase.NotSelected, List.of(), null,
                    "spec.nodeSelector does not match node " + in.node());
        }
        List<String> planned = in.filtersByInterface().entrySet().stream()
                .filter(e -> e.getValue().contains(f.name())).map(Map.Entry::getKey).sorted().toList();
        List<AttachedInterface> attached = new ArrayList<>();
        List<Long> generations = new ArrayList<>();
        Integer ruleCount = null;
        List<String> problems = new ArrayList<>();
        Set<String> currentOn = new TreeSet<>();
        boolean allCurrent = !planned.isEmpty();
        for (String name : planned) {
            InterfaceReport report = reports.get(name);
            Content content = report == null || report.ruleSetId() == null ? null
                    : in.contents().getOrDefault(report.ruleSetId(), Map.of()).get(f.name());
            if (report != null && report.programId() != 0 && content != null) {
                attached.add(new AttachedInterface(name, report.ifindex(), report.attachMode(), report.programId()));
                generations.add(content.generation());
                ruleCount = ruleCount == null ? content.ruleCount() : Math.max(ruleCount, content.ruleCount());
            }
            if (report == null) {
                problems.add("interface " + name + ": not reported by the dataplane");
                allCurrent = false;
            } else if (report.state() == InterfaceReport.State.FAILED || report.state() == InterfaceReport.State.CONFLICT) {
                problems.add("interface " + name + ": " + report.state().name().toLowerCase() + ": " + report.message());
                allCurrent = false;
            } else if (content == null || f.inForce() == null || content.generation() != LastGood.generation(f.inForce())
                    || report.state() != InterfaceReport.State.ENFORCING) {
                allCurrent = false;
            } else {
                currentOn.add(name);
            }
        }
        // An interface whose merge failed keeps its previous rules: a filter whose current generation is among them
        // is not failing there; the others are.
        for (FilterError e : in.planErrors()) {
            if (e.interfaceName() != null && f.name().equals(e.filter()) && !currentOn.contains(e.interfaceName())) {
                problems.add(e.toString());
                allCurrent = false;
            }
        }
        Long applied = generations.isEmpty() ? null : generations.stream().min(Long::compare).orElseThrow();
        if (f.failure() != null) {
            return new FilterNodeStatus(f.name(), applied, FilterPhase.Failed, attached, ruleCount,
                    problems.isEmpty() ? f.message() : f.message() + "; " + String.join("; ", problems));
        }
        if (!problems.isEmpty()) {
            return new FilterNodeStatus(f.name(), applied, FilterPhase.Failed, attached, ruleCount, String.join("; ", problems));
        }
        if (in.applyError() != null && !allCurrent) {
            return new FilterNodeStatus(f.name(), applied, FilterPhase.Failed, attached, ruleCount,
                    "dataplane apply failed: " + in.applyError());
        }
        if (planned.isEmpty()) {
            return new FilterNodeStatus(f.name(), applied, FilterPhase.Pending, attached, ruleCount,
                    "no interface on this node matches spec.interfaces");
        }
        if (allCurrent) {
            return new FilterNodeStatus(f.name(), applied, FilterPhase.Enforcing, attached, ruleCount, null);
        }
        return new FilterNodeStatus(f.name(), applied, FilterPhase.Pending, attached, ruleCount,
                "generation " + f.generation() + " is not in force on every selected interface yet");
    }
}
