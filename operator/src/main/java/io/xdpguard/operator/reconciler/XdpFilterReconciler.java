package io.xdpguard.operator.reconciler;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.MaxReconciliationInterval;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.xdpguard.api.v1alpha1.XdpCidrSet;
import io.xdpguard.api.v1alpha1.XdpFilter;
import io.xdpguard.api.v1alpha1.XdpNodeState;
import io.xdpguard.api.v1alpha1.status.XdpFilterStatus;
import io.xdpguard.operator.config.OperatorConfig;
import io.xdpguard.operator.dependent.AgentDaemonSet;
import io.xdpguard.operator.dependent.AgentDaemonSetDependent;
import io.xdpguard.operator.dependent.AgentPlacement;
import io.xdpguard.operator.event.EventReason;
import io.xdpguard.operator.event.EventRecorder;
import io.xdpguard.operator.status.Acceptance;
import io.xdpguard.operator.status.Conditions;
import io.xdpguard.operator.status.FilterMetrics;
import io.xdpguard.operator.status.FilterRelease;
import io.xdpguard.operator.status.FilterStatusAggregator;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * Observe (the filter, every other filter, nodes, agents' reports, CIDR sets, the agent DaemonSet, all from informer
 * caches) → validate ({@link FilterAdmission}) → reconcile (the agent DaemonSet, Events, the status computed by
 * {@link FilterStatusAggregator}, patched only when it changed).
 *
 * <p>Deletion: the {@link Cleaner} keeps the finalizer until no agent still holds the filter ({@link FilterRelease}),
 * keeping the agent on those nodes meanwhile.
 */
// Node states and nodes are watched; a periodic reconcile repairs anything a missed watch event left stale.
@ControllerConfiguration(name = XdpFilterReconciler.NAME,
        maxReconciliationInterval = @MaxReconciliationInterval(interval = 60, timeUnit = TimeUnit.SECONDS))
public class XdpFilterReconciler implements Reconciler<XdpFilter>, Cleaner<XdpFilter> {
    public static final String NAME = "xdpfilter";
    static final Duration MAX_DELETION_RECHECK = Duration.ofSeconds(30);
    /** When a node's agent label could not be written: the next try. */
    static final Duration LABEL_RETRY = Duration.ofSeconds(10);
    private static final Logger LOG = Logger.getLogger(XdpFilterReconciler.class);

    private final OperatorConfig config;
    private final AgentDaemonSetDependent agent;
    private final EventRecorder events;
    private final FilterMetrics metrics;

    private InformerEventSource<XdpNodeState, XdpFilter> nodeStates;
    private InformerEventSource<Node, XdpFilter> nodes;
    private InformerEventSource<XdpCidrSet, XdpFilter> cidrSets;
    private InformerEventSource<DaemonSet, XdpFilter> daemonSets;

    public XdpFilterReconciler(OperatorConfig config, AgentDaemonSetDependent agent, EventRecorder events,
            FilterMetrics metrics) {
        this.config = config;
        this.agent = agent;
        this.events = events;
        this.metrics = metrics;
    }

    @Override
    public List<EventSource<?, XdpFilter>> prepareEventSources(EventSourceContext<XdpFilter> context) {
        var primaries = context.getPrimaryCache();
        // Any agent report or node change may move any filter's counts; filters are few, so map to all of them.
        nodeStates = new InformerEventSource<>(InformerEventSourceConfiguration.from(XdpNodeState.class, XdpFilter.class)
                .withName("nodestates")
                .withSecondaryToPrimaryMapper(s -> primaries.keys().collect(Collectors.toSet()))
                .build(), context);
        nodes = new InformerEventSource<>(InformerEventSourceConfiguration.from(Node.class, XdpFilter.class)
                .withName("nodes")
                .withSecondaryToPrimaryMapper(n -> primaries.keys().collect(Collectors.toSet()))
                // Heartbeats and image lists change all the time; only what decides targeting matters.
                .withOnUpdateFilter((next, old) -> !Objects.equals(targeting(next), targeting(old)))
                .build(), context);
        cidrSets = new InformerEventSource<>(InformerEventSourceConfiguration.from(XdpCidrSet.class, XdpFilter.class)
                .withName("cidrsets")
                .withSecondaryToPrimaryMapper(set -> primaries
                        .list(f -> references(f, set.getMetadata().getName()))
                        .map(ResourceID::fromResource).collect(Collectors.toSet()))
                .build(), context);
        daemonSets = new InformerEventSource<>(InformerEventSourceConfiguration.from(DaemonSet.class, XdpFilter.class)
                .withName("agent-daemonset")
                .withNamespaces(agent.namespace())
                .withLabelSelector(AgentDaemonSet.MANAGED_BY_LABEL + "=" + AgentDaemonSet.MANAGED_BY)
                .withSecondaryToPrimaryMapper(ds -> primaries.keys().collect(Collectors.toSet()))
                .build(), context);
        return List.of(nodeStates, nodes, cidrSets, daemonSets);
    }

    @Override
    public UpdateControl<XdpFilter> reconcile(XdpFilter filter, Context<XdpFilter> context) {
        Observed observed = observe(filter, context);

        Acceptance acceptance = FilterAdmission.admit(filter, observed.cidrSetNames());
        Instant now = Instant.now();
        XdpFilterStatus status = FilterStatusAggregator.aggregate(new FilterStatusAggregator.Input(filter, acceptance,
                observed.nodes(), observed.nodeStates(), AgentDaemonSet.tolerations(config.agent()), now));

        recordEvents(filter, acceptance);
        List<String> labelFailures = placeAgents(filter, context, acceptance, false);
        metrics.observed(filter.getMetadata().getName(), status);

        UpdateControl<XdpFilter> control;
        if (status.equals(filter.getStatus())) {
            control = UpdateControl.noUpdate();
        } else {
            filter.setStatus(status);
            control = UpdateControl.patchStatus(filter);
        }
        return labelFailures.isEmpty() ? control : control.rescheduleAfter(LABEL_RETRY.toMillis());
    }

    @Override
    public DeleteControl cleanup(XdpFilter filter, Context<XdpFilter> context) {
        Observed observed = observe(filter, context);
        String name = filter.getMetadata().getName();
        FilterRelease.Decision decision = FilterRelease.decide(name, observed.nodeStates(), observed.nodes(),
                Instant.now(), config.nodeNotReadyTimeout());
        List<String> labelFailures = placeAgents(filter, context, Acceptance.rejected(Acceptance.INVALID, "being deleted"),
                decision.released());
        if (decision.released() && !labelFailures.isEmpty()) {
            // The last filter's release must not leave node labels behind: nothing would reconcile them afterwards.
            return DeleteControl.noFinalizerRemoval().rescheduleAfter(LABEL_RETRY.toMillis());
        }
        if (!decision.released()) {
            LOG.infof("XdpFilter %s is deleted; waiting for the agents on %s to remove it", name, decision.blockingNodes());
            Duration recheck = decision.recheckIn().filter(d -> d.compareTo(MAX_DELETION_RECHECK) < 0)
                    .orElse(MAX_DELETION_RECHECK);
            return DeleteControl.noFinalizerRemoval().rescheduleAfter(recheck.toMillis() + 1);
        }
        metrics.forget(name);
        return DeleteControl.defaultDelete();
    }

    /**
     * Writes the agent DaemonSet and the nodes' agent label from a view of the caches taken inside the writer's lock:
     * reconciles of several filters run at once, and one that waited for another must not undo the other's writes
     * with its own older view. Returns the node label patches that failed (they are retried after LABEL_RETRY).
     */
    private List<String> placeAgents(XdpFilter filter, Context<XdpFilter> context, Acceptance acceptance,
            boolean released) {
        return agent.reconcile(() -> {
            Observed now = observe(filter, context);
            Map<String, LabelSelector> selectors = selectorsInForce(now.filters(),
                    AgentDaemonSetDependent.recordedSelectors(now.daemonSet()), filter, acceptance, released);
            return new AgentDaemonSetDependent.Desired(now.daemonSet(),
                    AgentPlacement.build(selectors, now.nodeStates(), now.nodes(), everywhere()), selectors, now.nodes());
        });
    }

    /** Everything a reconciliation looks at, from the informer caches. */
    record Observed(List<XdpFilter> filters, List<Node> nodes, List<XdpNodeState> nodeStates, Set<String> cidrSetNames,
            Optional<DaemonSet> daemonSet) {
    }

    private Observed observe(XdpFilter filter, Context<XdpFilter> context) {
        List<XdpFilter> filters = new ArrayList<>(context.getPrimaryCache().list()
                .filter(f -> !f.getMetadata().getName().equals(filter.getMetadata().getName())).toList());
        filters.add(filter);
        return new Observed(filters, nodes.list().toList(), nodeStates.list().toList(),
                cidrSets.list().map(s -> s.getMetadata().getName()).collect(Collectors.toSet()),
                daemonSets.get(new ResourceID(agent.name(), agent.namespace())));
    }

    /**
     * Each filter's nodeSelector in force: the spec's for a filter whose current generation is accepted, otherwise
     * the one it was last placed with (recorded on the DaemonSet), or none if it never was. A rejected generation
     * thereby changes nothing that runs. A released filter is left out.
     */
    static Map<String, LabelSelector> selectorsInForce(List<XdpFilter> filters, Map<String, LabelSelector> recorded,
            XdpFilter current, Acceptance currentAcceptance, boolean currentReleased) {
        Map<String, LabelSelector> selectors = new HashMap<>();
        for (XdpFilter f : filters) {
            String name = f.getMetadata().getName();
            boolean isCurrent = name.equals(current.getMetadata().getName());
            if (isCurrent && currentReleased) {
                continue;
            }
            boolean accepted = isCurrent ? currentAcceptance.accepted() : acceptedNow(f);
            if (accepted && f.getSpec() != null) {
                selectors.put(name, Optional.ofNullable(f.getSpec().getNodeSelector()).orElseGet(LabelSelector::new));
            } else if (recorded.containsKey(name)) {
                selectors.put(name, recorded.get(name));
            }
        }
        return selectors;
    }

    private boolean everywhere() {
        return config.agent().placement() == OperatorConfig.Agent.PlacementPolicy.Everywhere;
    }

    /** Whether the filter's status says its current generation is accepted. */
    static boolean acceptedNow(XdpFilter f) {
        return f.getStatus() != null && Conditions.find(f.getStatus().getConditions(), XdpFilterStatus.ACCEPTED)
                .filter(c -> Conditions.TRUE.equals(c.getStatus()))
                .filter(c -> Objects.equals(c.getObservedGeneration(), f.getMetadata().getGeneration()))
                .isPresent();
    }

    /**
     * One Warning per newly rejected generation, and one lockout warning per newly accepted generation that needs
     * the failsafe; the previous status tells whether this generation was already judged (and so already reported).
     */
    private void recordEvents(XdpFilter filter, Acceptance acceptance) {
        Long generation = filter.getMetadata().getGeneration();
        boolean alreadyJudged = filter.getStatus() != null
                && Conditions.find(filter.getStatus().getConditions(), XdpFilterStatus.ACCEPTED)
                        .filter(c -> Objects.equals(c.getObservedGeneration(), generation))
                        .filter(c -> (Conditions.TRUE.equals(c.getStatus())) == acceptance.accepted())
                        .isPresent();
        if (alreadyJudged) {
            return;
        }
        if (!acceptance.accepted()) {
            boolean running = filter.getStatus() != null && filter.getStatus().getRuleCount() != null;
            events.record(filter, EventReason.Rejected, "Generation " + generation + " rejected ("
                    + acceptance.reason() + "): " + acceptance.message()
                    + (running ? "; the last accepted generation keeps running" : "; nothing runs"));
            return;
        }
        List<LockoutCheck.Finding> findings = LockoutCheck.check(filter.getSpec());
        if (findings.isEmpty()) {
            return;
        }
        String what = findings.stream().map(LockoutCheck.Finding::toString).collect(Collectors.joining("; "));
        if (config.failsafe().enabled()) {
            events.record(filter, EventReason.FailsafeLockout, "Generation " + generation + " would cut nodes off: "
                    + what + ". Accepted only because the dataplane's failsafe rules pass this traffic first.");
        } else {
            events.record(filter, EventReason.Lockout, "Generation " + generation + ": " + what
                    + ". The failsafe rules are disabled: this traffic WILL be cut.");
        }
    }

    private static boolean references(XdpFilter filter, String cidrSet) {
        return filter.getSpec() != null && filter.getSpec().getRules() != null && filter.getSpec().getRules().stream()
                .anyMatch(r -> r != null && r.getSourceSets() != null && r.getSourceSets().contains(cidrSet));
    }

    /** What about a node decides whether it is targeted. */
    private static List<Object> targeting(Node node) {
        return java.util.Arrays.asList(node.getMetadata().getLabels(), node.getMetadata().getDeletionTimestamp(),
                node.getSpec() == null ? null : node.getSpec().getTaints(),
                io.xdpguard.operator.status.NodeEligibility.isReady(node));
    }
}
