package io.xdpguard.operator.status;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Toleration;
import io.xdpguard.api.v1alpha1.Api;
import io.xdpguard.api.v1alpha1.XdpFilter;
import io.xdpguard.api.v1alpha1.XdpNodeState;
import io.xdpguard.api.v1alpha1.status.FilterNodeStatus;
import io.xdpguard.api.v1alpha1.status.FilterPhase;
import io.xdpguard.api.v1alpha1.status.NodeCounts;
import io.xdpguard.api.v1alpha1.status.NodeFailure;
import io.xdpguard.api.v1alpha1.status.XdpFilterStatus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The filter's status, computed from what is observed and nothing else: the filter, whether this generation is
 * accepted, the nodes, the agents' XdpNodeStates and the agent's tolerations. Pure: same input, same output; no
 * client, no clock (the time is an argument).
 *
 * <p>Targeted nodes are those the selector matches that can run the agent now (Ready, not being deleted, every
 * NoSchedule/NoExecute taint tolerated). Of those, a node is <em>enforcing</em> when its agent reports phase
 * Enforcing at appliedGeneration == metadata.generation, <em>failed</em> when it reports Failed, and <em>pending</em>
 * otherwise (no report yet, an older generation, Pending, NotSelected while labels propagate).
 *
 * <p>Ready is True when at least one node is targeted and all of them enforce this generation. Zero targeted nodes
 * is Ready=False reason NoTargetNodes: a filter that runs nowhere is most likely a selector mistake, and a
 * "Ready" that promises nothing would hide it.
 *
 * <p>A rejected generation changes nothing that runs, so it changes none of what describes the running state: the
 * previous counts, rule count, failures, Ready and Degraded are kept (their own observedGeneration says which
 * generation they describe); Accepted and status.observedGeneration move, and Stalled turns True: tools that read
 * Ready without its observedGeneration (kubectl wait, GitOps health checks) must not take the rejected change for a
 * healthy one.
 */
public final class FilterStatusAggregator {
    public static final String REASON_ALL_ENFORCING = "AllNodesEnforcing";
    public static final String REASON_NOT_ALL_ENFORCING = "NotAllNodesEnforcing";
    public static final String REASON_NO_TARGET_NODES = "NoTargetNodes";
    public static final String REASON_NOT_ACCEPTED = "NotAccepted";
    public static final String REASON_NODES_FAILED = "NodesFailed";
    public static final String REASON_NO_FAILURES = "NoFailures";
    public static final String REASON_APPLY_FAILED = "ApplyFailed";
    public static final String REASON_ACCEPTED = "Accepted";
    private static final int LISTED_EXCLUSIONS = 5;

    private FilterStatusAggregator() {
    }

    /** Everything the status depends on. */
    public record Input(XdpFilter filter, Acceptance acceptance, List<Node> nodes, List<XdpNodeState> nodeStates,
            List<Toleration> agentTolerations, Instant now) {
    }

    public static XdpFilterStatus aggregate(Input in) {
        XdpFilter filter = in.filter();
        long generation = Objects.requireNonNullElse(filter.getMetadata().getGeneration(), 0L);
        XdpFilterStatus previous = filter.getStatus() == null ? new XdpFilterStatus() : filter.getStatus();
        List<Condition> before = previous.getConditions() == null ? List.of() : previous.getConditions();

        XdpFilterStatus status = new XdpFilterStatus();
        status.setObservedGeneration(generation);
        List<Condition> conditions = new ArrayList<>();
        Acceptance acceptance = in.acceptance();
        conditions.add(Conditions.next(before, XdpFilterStatus.ACCEPTED, acceptance.accepted(), acceptance.reason(),
                acceptance.message(), generation, in.now()));
        Optional<Long> inForce = Conditions.find(before, XdpFilterStatus.READY)
                .filter(c -> !REASON_NOT_ACCEPTED.equals(c.getReason())).map(Condition::getObservedGeneration)
                .filter(g -> g != generation);
        conditions.add(acceptance.accepted()
                ? Conditions.next(before, XdpFilterStatus.STALLED, false, REASON_ACCEPTED,
                        "generation " + generation + " is accepted", generation, in.now())
                : Conditions.next(before, XdpFilterStatus.STALLED, true, acceptance.reason(), "generation " + generation
                        + " is rejected (see Accepted); " + inForce.map(g -> "generation " + g + " stays in force")
                        .orElse("nothing of this filter runs"), generation, in.now()));

        if (!acceptance.accepted()) {
            status.setNodes(previous.getNodes());
            status.setRuleCount(previous.getRuleCount());
            status.setFailures(previous.getFailures() == null ? new ArrayList<>() : new ArrayList<>(previous.getFailures()));
            Optional<Condition> ready = Conditions.find(before, XdpFilterStatus.READY);
            conditions.add(ready.orElseGet(() -> Conditions.next(before, XdpFilterStatus.READY, false,
                    REASON_NOT_ACCEPTED, "no generation of this filter has been accepted yet", generation, in.now())));
            Conditions.find(before, XdpFilterStatus.DEGRADED).ifPresent(conditions::add);
            status.setConditions(conditions);
            return status;
        }

        String name = filter.getMetadata().getName();
        Map<String, XdpNodeState> statesByNode = new HashMap<>();
        for (XdpNodeState state : in.nodeStates()) {
            statesByNode.put(nodeName(state), state);
        }
        int targeted = 0;
        int enforcing = 0;
        int pending = 0;
        List<NodeFailure> failures = new ArrayList<>();
        List<String> excluded = new ArrayList<>();
        List<Node> nodes = in.nodes().stream().sorted(Comparator.comparing(n -> n.getMetadata().getName())).toList();
        for (Node node : nodes) {
            String nodeName = node.getMetadata().getName();
            if (!Selectors.matches(filter.getSpec().getNodeSelector(), node.getMetadata().getLabels())) {
                continue;
            }
            Optional<String> why = NodeEligibility.whyExcluded(node, in.agentTolerations());
            if (why.isPresent()) {
                excluded.add(nodeName + " (" + why.get() + ")");
                continue;
            }
            targeted++;
            Optional<FilterNodeStatus> report = Optional.ofNullable(statesByNode.get(nodeName))
                    .map(XdpNodeState::getStatus)
                    .flatMap(s -> s.getFilters() == null ? Optional.empty()
                            : s.getFilters().stream().filter(f -> name.equals(f.name())).findFirst());
            if (report.isPresent() && report.get().phase() == FilterPhase.Failed) {
                failures.add(new NodeFailure(nodeName, null, REASON_APPLY_FAILED,
                        report.get().message() == null ? "the agent could not apply the filter" : report.get().message()));
            } else if (report.isPresent() && report.get().phase() == FilterPhase.Enforcing
                    && Objects.equals(report.get().appliedGeneration(), generation)) {
                enforcing++;
            } else {
                pending++;
            }
        }
        int failed = failures.size();
        status.setNodes(NodeCounts.of(targeted, enforcing, pending, failed));
        status.setRuleCount(filter.getSpec().getRules() == null ? 0 : filter.getSpec().getRules().size());
        status.setFailures(new ArrayList<>(failures.subList(0, Math.min(failures.size(), Api.MAX_LISTED_FAILURES))));

        String notTargeted = excluded.isEmpty() ? "" : "; not targeted: " + list(excluded);
        if (targeted == 0) {
            conditions.add(Conditions.next(before, XdpFilterStatus.READY, false, REASON_NO_TARGET_NODES,
                    "no node both matches spec.nodeSelector and can run the agent" + notTargeted, generation, in.now()));
        } else if (enforcing == targeted) {
            conditions.add(Conditions.next(before, XdpFilterStatus.READY, true, REASON_ALL_ENFORCING,
                    enforcing + "/" + targeted + " targeted nodes enforce generation " + generation + notTargeted,
                    generation, in.now()));
        } else {
            conditions.add(Conditions.next(before, XdpFilterStatus.READY, false, REASON_NOT_ALL_ENFORCING,
                    enforcing + "/" + targeted + " targeted nodes enforce generation " + generation + " (" + pending
                            + " pending, " + failed + " failed)" + notTargeted, generation, in.now()));
        }
        if (failed > 0) {
            conditions.add(Conditions.next(before, XdpFilterStatus.DEGRADED, true, REASON_NODES_FAILED,
                    failed + (failed == 1 ? " node" : " nodes") + " failed to apply the filter: "
                            + list(failures.stream().map(f -> f.node() + ": " + f.message()).toList()),
                    generation, in.now()));
        } else {
            conditions.add(Conditions.next(before, XdpFilterStatus.DEGRADED, false, REASON_NO_FAILURES,
                    "no targeted node reports a failure", generation, in.now()));
        }
        status.setConditions(conditions);
        return status;
    }

    public static String nodeName(XdpNodeState state) {
        // Named after its node (docs/api.md); status.node is the agent's own copy, absent before its first write.
        return state.getMetadata().getName();
    }

    private static String list(List<String> items) {
        String shown = items.stream().limit(LISTED_EXCLUSIONS).collect(Collectors.joining(", "));
        return items.size() > LISTED_EXCLUSIONS ? shown + " and " + (items.size() - LISTED_EXCLUSIONS) + " more" : shown;
    }
}
