package io.xdpguard.agent.cluster;

import inet.ipaddr.IPAddress;
import io.fabric8.kubernetes.api.model.EndpointAddress;
import io.fabric8.kubernetes.api.model.EndpointSubset;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAddress;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ExceptionHandler;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.xdpguard.agent.dataplane.Dataplane;
import io.xdpguard.agent.dataplane.InterfacePlan;
import io.xdpguard.agent.dataplane.InterfaceReport;
import io.xdpguard.agent.dataplane.rules.FailsafeConfig;
import io.xdpguard.agent.dataplane.rules.MatchRule;
import io.xdpguard.agent.dataplane.rules.RuleMerger;
import io.xdpguard.agent.metrics.AgentMetrics;
import io.xdpguard.agent.plan.FilterError;
import io.xdpguard.agent.plan.Plan;
import io.xdpguard.agent.plan.Planner;
import io.xdpguard.api.v1alpha1.XdpCidrSet;
import io.xdpguard.api.v1alpha1.XdpFilter;
import io.xdpguard.api.v1alpha1.status.FilterNodeStatus;
import io.xdpguard.api.v1alpha1.status.FilterPhase;
import io.xdpguard.api.v1alpha1.status.XdpNodeStateStatus;
import io.xdpguard.api.validation.Cidrs;
import io.xdpguard.api.validation.XdpFilterValidator;
import java.net.URI;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * The node agent in a cluster. Three informers (XdpFilters, XdpCidrSets, this Node) feed a single reconciler
 * thread; any relevant event (or a change of host interfaces, or the periodic resync) schedules one reconcile
 * after a quiet time, and each reconcile plans the WHOLE state from the informer caches (never from the event),
 * applies it through the {@link Dataplane}, and writes this node's XdpNodeState if what the kernel reports changed.
 *
 * <p>Fail-static: nothing is applied before every informer has listed once (what is pinned and attached stays);
 * watch errors never clear the caches, so an unreachable API server leaves enforcement exactly as it is, and the
 * informers' relist on reconnect triggers a reconcile that reports again.
 */
public final class ClusterAgent implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ClusterAgent.class);
    /** Rounds of {@link #rehearse}: 10 left the first changes at 50-60 ms (code not yet compiled by C2). */
    static final int REHEARSALS = 40;

    private final KubernetesClient client;
    private final Dataplane dataplane;
    private final HostInfo host;
    private final AgentSettings settings;
    /** Null in scale simulations that run hundreds of agents in one JVM. */
    private final AgentMetrics metrics;
    private final DropSamples samples;
    private final LastGood lastGood = new LastGood();
    private final HeapTrimmer heapTrimmer = HeapTrimmer.forThisJvm();
    private final NodeStateWriter writer;
    private final FilterEvents events;
    private final ScheduledExecutorService executor;

    private SharedIndexInformer<XdpFilter> filterInformer;
    private SharedIndexInformer<XdpCidrSet> setInformer;
    private SharedIndexInformer<Node> nodeInformer;

    // Reconciler-thread state.
    private List<String> interfaces = List.of();
    /** Whether interfaces holds a listing: until then a plan would see no interface and release every one of ours. */
    private volatile boolean interfacesListed;
    private final Map<String, InterfacePlan> lastApplied = new TreeMap<>();
    private final Map<String, List<String>> lastFiltersByInterface = new TreeMap<>();
    private final Map<String, Map<String, NodeStatusBuilder.Content>> contents = new HashMap<>();
    private List<IPAddress> apiServerAddresses;
    private ScheduledFuture<?> scheduled;
    private long changeSeenNanos;
    private boolean rehearsed;

    /** The Node as read directly from the API server, during the last reconcile at shutdown; reconciler thread only. */
    private Node freshNode;
    private volatile State state = new State(false, "WaitingForApiServer", "the informers have not listed yet");
    private volatile XdpNodeStateStatus lastStatus;
    private final AtomicLong heartbeat = new AtomicLong(System.nanoTime());
    private final AtomicLong reconciles = new AtomicLong();

    /** Whether the first sync has happened (applied, or failed with a reported reason), and why not if not. */
    public record State(boolean synced, String reason, String message) {
    }

    public ClusterAgent(KubernetesClient client, Dataplane dataplane, HostInfo host, AgentSettings settings,
            AgentMetrics metrics, DropSamples samples) {
        this.client = client;
        this.dataplane = dataplane;
        this.host = host;
        this.settings = settings;
        this.metrics = metrics;
        if (metrics != null) {
            metrics.agentState(state.reason());
        }
        this.samples = samples;
        this.writer = new NodeStateWriter(client, settings.nodeName());
        this.events = new FilterEvents(client, settings.eventNamespace(), settings.nodeName(), settings.eventsPerMinute(),
                Clock.systemUTC());
        this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "xdpguard-reconciler");
            t.setDaemon(true);
            return t;
        });
    }

    /** Starts the informers and timers; returns at once (the informers list in the background, retrying). */
    public synchronized void start() {
        // A deletion blocked by the operator's finalizer only sets deletionTimestamp: the filter must be released then.
        filterInformer = informer(client.resources(XdpFilter.class).runnableInformer(0), "XdpFilter",
                (a, b) -> !Objects.equals(a.getMetadata().getGeneration(), b.getMetadata().getGeneration())
                        || !Objects.equals(a.getMetadata().getDeletionTimestamp(), b.getMetadata().getDeletionTimestamp()));
        setInformer = informer(client.resources(XdpCidrSet.class).runnableInformer(0), "XdpCidrSet",
                (a, b) -> !Objects.equals(a.getMetadata().getGeneration(), b.getMetadata().getGeneration()));
        nodeInformer = informer(client.nodes().withField("metadata.name", settings.nodeName()).runnableInformer(0), "Node",
                (a, b) -> !Objects.equals(a.getMetadata().getLabels(), b.getMetadata().getLabels())
                        || !Objects.equals(addresses(a), addresses(b)));
        executor.execute(this::rescanInterfaces);
        filterInformer.start();
        setInformer.start();
        nodeInformer.start();
        long rescan = settings.interfaceRescan().toMillis();
        executor.scheduleWithFixedDelay(this::rescanInterfaces, rescan, rescan, TimeUnit.MILLISECONDS);
        long resync = settings.resync().toMillis();
        executor.scheduleWithFixedDelay(this::trigger, resync, resync, TimeUnit.MILLISECONDS);
        long retry = settings.statusRetry().toMillis();
        executor.scheduleWithFixedDelay(this::retryStatus, retry, retry, TimeUnit.MILLISECONDS);
        executor.scheduleWithFixedDelay(() -> heartbeat.set(System.nanoTime()), 1, 1, TimeUnit.SECONDS);
    }

    private interface Changed<T> {
        boolean test(T before, T after);
    }

    private <T extends HasMetadata> SharedIndexInformer<T> informer(SharedIndexInformer<T> informer, String kind, Changed<T> changed) {
        informer.exceptionHandler((started, t) -> {
            LOG.warnf("%s watch/list failed (%s); enforcement stays as it is, retrying: %s", kind,
                    started ? "after start" : "initial list", t.getMessage());
            return !ExceptionHandler.isDeserializationException(t);
        });
        informer.addEventHandler(new ResourceEventHandler<T>() {
            @Override
            public void onAdd(T obj) {
                trigger();
            }

            @Override
            public void onUpdate(T before, T after) {
                if (changed.test(before, after)) {
                    trigger();
                }
            }

            @Override
            public void onDelete(T obj, boolean finalStateUnknown) {
                trigger();
            }

            @Override
            public void onNothing() {
                trigger();
            }
        });
        return informer;
    }

    private static List<NodeAddress> addresses(Node node) {
        return node.getStatus() == null ? List.of() : node.getStatus().getAddresses();
    }

    /** Schedules one reconcile of the whole state after the debounce time (events within it coalesce). */
    public void trigger() {
        long seen = System.nanoTime(); // now, not when the reconciler thread gets to it
        runLater(() -> {
            if (changeSeenNanos == 0) {
                changeSeenNanos = seen;
            }
            if (scheduled == null || scheduled.isDone()) {
                scheduled = executor.schedule(this::reconcileSafely, settings.debounce().toMillis(), TimeUnit.MILLISECONDS);
            }
        });
    }

    /** Reconciles now on the reconciler thread and waits for it: for the periodic resync and tests. */
    public void resync() {
        try {
            executor.submit(() -> {
                if (changeSeenNanos == 0) {
                    changeSeenNanos = System.nanoTime();
                }
                reconcileSafely();
            }).get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("resync failed", e);
        }
    }

    private void rescanInterfaces() {
        try {
            List<String> now = host.interfaceNames();
            if (!now.equals(interfaces) || !interfacesListed) {
                interfaces = now;
                interfacesListed = true;
                trigger();
            }
        } catch (RuntimeException e) {
            LOG.warnf("cannot list host interfaces: %s", e.getMessage());
        }
    }

    private void retryStatus() {
        if (!writer.pending()) {
            return;
        }
        Node node = ownNode();
        if (node == null) {
            return;
        }
        try {
            writer.flush(node);
        } catch (KubernetesClientException e) {
            LOG.debugf("XdpNodeState write still failing: %s", e.getMessage());
        }
    }

    private void reconcileSafely() {
        try {
            reconcile();
        } catch (RuntimeException e) {
            LOG.errorf(e, "reconcile failed; enforcement stays as it is");
        }
        // Only after a start does this write anything (a whole slot, seconds with a million CIDRs); a change seen
        // meanwhile waits for it, as it would otherwise have written that slot itself. The heap is trimmed last,
        // after the start-up rehearsal queued by the reconcile too: its garbage would otherwise keep the heap it grew.
        runLater(() -> {
            dataplane.prepareNextChange();
            trimHeap();
        });
    }

    /** A full collection between reconciles when the heap needs one (see {@link HeapTrimmer}). */
    private void trimHeap() {
        HeapTrimmer.Trim trim = heapTrimmer.afterReconcile();
        if (trim != null && trim.reason() == HeapTrimmer.Reason.LARGE_LOAD) {
            LOG.info(trim);
        } else if (trim != null) {
            LOG.debug(trim);
        }
    }

    /** Queues work behind whatever the reconciler thread has queued; dropped when the agent is closing. */
    private void runLater(Runnable work) {
        try {
            executor.execute(work);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // closing
        }
    }

    private Node ownNode() {
        if (freshNode != null) {
            return freshNode;
        }
        return nodeInformer.getStore().list().stream()
                .filter(n -> settings.nodeName().equals(n.getMetadata().getName())).findFirst().orElse(null);
    }

    private void reconcile() {
        reconciles.incrementAndGet();
        if (!filterInformer.hasSynced() || !setInformer.hasSynced() || !nodeInformer.hasSynced()) {
            state(new State(false, "WaitingForApiServer", "XdpFilters, XdpCidrSets and the Node have not been listed yet; "
                    + "whatever is pinned and attached stays in force"));
            executor.schedule(this::trigger, Math.max(100, settings.debounce().toMillis()), TimeUnit.MILLISECONDS);
            return;
        }
        if (!interfacesListed) {
            state(new State(false, "WaitingForInterfaces", "the host's interfaces could not be listed yet; "
                    + "whatever is pinned and attached stays in force"));
            return;
        }
        Node node = ownNode();
        if (node == null) {
            state(new State(false, "NodeNotFound", "Node " + settings.nodeName() + " does not exist; nothing is changed"));
            return;
        }
        long seen = changeSeenNanos == 0 ? System.nanoTime() : changeSeenNanos;
        changeSeenNanos = 0;
        Map<String, String> labels = node.getMetadata().getLabels() == null ? Map.of() : node.getMetadata().getLabels();
        // A filter being deleted is released now: the operator's finalizer waits for every agent to report it gone.
        List<XdpFilter> filterObjects = filterInformer.getStore().list().stream()
                .filter(f -> f.getMetadata().getDeletionTimestamp() == null).toList();
        long started = System.nanoTime();
        LastGood.Resolution resolution = lastGood.resolve(filterObjects, setInformer.getStore().list(), labels);
        long resolved = System.nanoTime();
        List<String> unknownInForce = inForceWithoutKnownSpec(resolution);
        if (!unknownInForce.isEmpty()) {
            String message = "filters " + unknownInForce + " are invalid now and their last good generation, still "
                    + "enforced by the kernel, is unknown to this agent (it started since): nothing is changed on this "
                    + "node until they are fixed or deleted";
            LOG.warn(message);
            state(new State(true, "HoldingAdoptedRules", message));
            return;
        }
        FailsafeConfig failsafe = failsafe(node);
        Plan plan = Planner.plan(resolution.inForce(), resolution.cidrSets(), labels, interfaces, failsafe);
        long planned = System.nanoTime();

        // An interface whose merge failed keeps what it had (fail-static), instead of being released.
        Map<String, InterfacePlan> plans = new TreeMap<>();
        plan.interfaces().forEach(p -> plans.put(p.name(), p));
        Map<String, List<String>> byInterface = new TreeMap<>(plan.filtersByInterface());
        Set<String> keptUnknown = new TreeSet<>();
        Set<String> ours = null;
        for (FilterError error : plan.errors()) {
            String name = error.interfaceName();
            if (name == null || plans.containsKey(name) || !interfaces.contains(name)) {
                continue;
            }
            if (lastApplied.containsKey(name)) {
                plans.put(name, lastApplied.get(name));
                byInterface.put(name, lastFiltersByInterface.getOrDefault(name, List.of()));
                continue;
            }
            ours = ours == null ? oursInForce() : ours;
            if (ours.contains(name)) {
                keptUnknown.add(name);
            }
        }
        if (!keptUnknown.isEmpty()) {
            // Applying without that interface would release it: its rules were adopted at start, and no plan of this
            // agent's can stand for them.
            String message = plan.errors().stream().filter(e -> keptUnknown.contains(e.interfaceName()))
                    .map(e -> "interface " + e.interfaceName() + ": " + e.message()).distinct()
                    .collect(Collectors.joining("; "))
                    + "; what the kernel enforces on " + keptUnknown + " was applied before this agent started: "
                    + "nothing is changed on this node until that is fixed";
            LOG.warn(message);
            state(new State(true, "HoldingAdoptedRules", message));
            return;
        }
        List<InterfacePlan> toApply = List.copyOf(plans.values());
        List<InterfaceReport> reports;
        String applyError = null;
        long switchedBefore = dataplane.lastSwitchNanos();
        try {
            reports = dataplane.apply(toApply);
            LOG.debugf("reconcile: waited %.1f ms, validated %.1f ms, planned %.1f ms, applied %.1f ms",
                    (started - seen) / 1e6, (resolved - started) / 1e6, (planned - resolved) / 1e6,
                    (System.nanoTime() - planned) / 1e6);
            lastApplied.clear();
            plans.forEach(lastApplied::put);
            lastFiltersByInterface.clear();
            lastFiltersByInterface.putAll(byInterface);
        } catch (RuntimeException e) {
            applyError = e.getMessage() == null ? e.toString() : e.getMessage();
            LOG.errorf(e, "dataplane apply failed; what was in force stays");
            if (metrics != null) {
                metrics.dataplaneFailed();
            }
            reports = observeQuietly();
        }
        if (metrics != null) {
            metrics.applied(seen, System.nanoTime());
            long switched = dataplane.lastSwitchNanos();
            if (switched != switchedBefore) {
                metrics.switched(seen, switched);
            }
            metrics.enforced(toApply, reports, applyError == null);
        }
        // After the switch: the status's per-rule content is not needed to enforce.
        Map<String, Long> generations = new HashMap<>();
        resolution.inForce().forEach(f -> generations.put(f.getMetadata().getName(), LastGood.generation(f)));
        for (InterfacePlan p : plan.interfaces()) {
            contents.computeIfAbsent(p.ruleSetId(), id -> contentOf(p, generations));
        }
        if (samples != null) {
            samples.interfaces(reports);
        }
        Set<String> live = new LinkedHashSet<>(plan.interfaces().stream().map(InterfacePlan::ruleSetId).toList());
        reports.stream().map(InterfaceReport::ruleSetId).filter(Objects::nonNull).forEach(live::add);
        lastApplied.values().forEach(p -> live.add(p.ruleSetId()));
        contents.keySet().retainAll(live);

        XdpNodeStateStatus status = NodeStatusBuilder.build(new NodeStatusBuilder.Inputs(settings.nodeName(),
                settings.agentVersion(), host.kernelVersion(), host.bpffsMounted(), resolution.filters(), byInterface,
                plan.errors(), reports, contents, applyError), lastStatus == null ? writer.written() : lastStatus);
        lastStatus = status;
        state(applyError == null ? new State(true, "Synced", "first sync applied")
                : new State(true, "ApplyFailed", applyError));
        if (applyError != null) {
            // Nothing was applied (e.g. another agent held the pins for a moment): no event may come for minutes.
            executor.schedule(this::trigger, settings.statusRetry().toMillis(), TimeUnit.MILLISECONDS);
        }
        try {
            writer.write(status, node);
        } catch (KubernetesClientException e) {
            LOG.warnf("cannot write XdpNodeState %s (retrying): %s", settings.nodeName(), e.getMessage());
        }
        events.report(failures(filterObjects, status));
        if (!rehearsed && applyError == null) {
            rehearsed = true;
            List<XdpFilter> inForce = resolution.inForce();
            List<String> names = interfaces;
            runLater(() -> rehearse(inForce, resolution.cidrSets(), labels, names, failsafe));
        }
    }

    /**
     * Runs the change path on the rules in force {@link #REHEARSALS} times, enforcing nothing: validation, merging,
     * planning and the dataplane's compilation and slot writes ({@link Dataplane#rehearse}). Once, after the first
     * sync: the JIT has then compiled that path before the first real change, which would otherwise take several
     * times as long (50-100 ms instead of ~12 with 1,000 rules and 1,000,000 CIDRs).
     */
    private void rehearse(List<XdpFilter> inForce, Map<String, XdpCidrSet> cidrSets, Map<String, String> labels,
            List<String> names, FailsafeConfig failsafe) {
        try {
            for (int i = 0; i < REHEARSALS; i++) {
                inForce.forEach(XdpFilterValidator::validate);
                RuleMerger.forgetMergedFilters(); // merge as a change does, not from the rules of the filters in force
                Planner.plan(inForce, cidrSets, labels, names, failsafe);
            }
            dataplane.rehearse(REHEARSALS);
        } catch (RuntimeException e) {
            LOG.warnf(e, "rehearsing the change path failed (nothing was changed)");
        }
    }

    /**
     * Filters that select this node, whose current generation is invalid, of which this agent has no last good
     * version (it started after that version was applied), but whose rules the kernel still enforces: applying now
     * would drop them, failing open. The node is held as adopted instead (fail-static) until they are fixed or
     * deleted.
     */
    private List<String> inForceWithoutKnownSpec(LastGood.Resolution resolution) {
        List<String> unknown = resolution.filters().values().stream()
                .filter(r -> r.failure() != null && r.inForce() == null && r.selected())
                .map(LastGood.Resolved::name).toList();
        if (unknown.isEmpty()) {
            return List.of();
        }
        Set<String> enforced = new TreeSet<>();
        for (String iface : oursInForce()) {
            Optional<Set<String>> filters = dataplane.filtersInForce(iface);
            if (filters.isEmpty()) {
                // Ours, but its rules cannot be read (pinned maps of another layout, rebuilt at the next apply): any
                // of the unknown filters may be among them.
                return unknown;
            }
            enforced.addAll(filters.get());
        }
        return unknown.stream().filter(enforced::contains).toList();
    }

    /** The interfaces with a program of ours attached, read from the kernel. */
    private Set<String> oursInForce() {
        try {
            return dataplane.attachedInterfaces();
        } catch (RuntimeException e) {
            return Set.of();
        }
    }

    private List<InterfaceReport> observeQuietly() {
        try {
            return dataplane.observe();
        } catch (RuntimeException e) {
            return List.of();
        }
    }

    private static Map<String, NodeStatusBuilder.Content> contentOf(InterfacePlan plan, Map<String, Long> generations) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (MatchRule rule : plan.rules().rules()) {
            if (!rule.failsafe()) {
                counts.merge(rule.filter(), 1, Integer::sum);
            }
        }
        Map<String, NodeStatusBuilder.Content> out = new HashMap<>();
        generations.forEach((filter, generation) -> {
            if (counts.containsKey(filter)) {
                out.put(filter, new NodeStatusBuilder.Content(generation, counts.get(filter)));
            }
        });
        return out;
    }

    private List<FilterEvents.Failure> failures(List<XdpFilter> filters, XdpNodeStateStatus status) {
        Map<String, XdpFilter> byName = new HashMap<>();
        filters.forEach(f -> byName.put(f.getMetadata().getName(), f));
        List<FilterEvents.Failure> out = new ArrayList<>();
        for (FilterNodeStatus f : status.getFilters()) {
            XdpFilter filter = byName.get(f.name());
            if (f.phase() == FilterPhase.Failed && filter != null) {
                String reason = f.message() != null && f.message().contains(" not applied: ") ? "NotApplied" : "ApplyFailed";
                out.add(new FilterEvents.Failure(filter, reason, f.message()));
            }
        }
        return out;
    }

    /** The configured failsafe plus, when enabled, the Node's InternalIPs and the API server endpoints as sources. */
    private FailsafeConfig failsafe(Node node) {
        if (!settings.failsafeEnabled()) {
            return FailsafeConfig.disabled();
        }
        Set<IPAddress> sources = new LinkedHashSet<>();
        for (String cidr : settings.extraFailsafeCidrs()) {
            sources.add(Cidrs.parse(cidr));
        }
        if (settings.failsafeNodeAddresses()) {
            for (NodeAddress address : addresses(node)) {
                if ("InternalIP".equals(address.getType())) {
                    addQuietly(sources, address.getAddress());
                }
            }
            sources.addAll(apiServerAddresses());
        }
        return FailsafeConfig.defaults().withSourceCidrs(List.copyOf(sources));
    }

    /** The API server as this agent reaches it, the kubernetes Service host, and the default/kubernetes endpoints. */
    private List<IPAddress> apiServerAddresses() {
        if (apiServerAddresses != null) {
            return apiServerAddresses;
        }
        Set<IPAddress> out = new LinkedHashSet<>();
        try {
            addQuietly(out, URI.create(client.getConfiguration().getMasterUrl()).getHost());
        } catch (RuntimeException e) {
            // not a URL with an address
        }
        addQuietly(out, System.getenv("KUBERNETES_SERVICE_HOST"));
        boolean complete = true;
        try {
            Endpoints endpoints = client.endpoints().inNamespace("default").withName("kubernetes").get();
            if (endpoints != null && endpoints.getSubsets() != null) {
                for (EndpointSubset subset : endpoints.getSubsets()) {
                    for (EndpointAddress address : subset.getAddresses()) {
                        addQuietly(out, address.getIp());
                    }
                }
            }
        } catch (KubernetesClientException e) {
            complete = e.getCode() == 403 || e.getCode() == 404;
            LOG.debugf("cannot read the default/kubernetes endpoints: %s", e.getMessage());
        }
        List<IPAddress> result = List.copyOf(out);
        if (complete) {
            apiServerAddresses = result;
        }
        return result;
    }

    private static void addQuietly(Set<IPAddress> out, String address) {
        if (address == null || address.isBlank()) {
            return;
        }
        String bare = address.startsWith("[") && address.endsWith("]") ? address.substring(1, address.length() - 1) : address;
        try {
            out.add(Cidrs.parse(bare));
        } catch (IllegalArgumentException e) {
            // a host name, not an address
        }
    }

    private void state(State next) {
        state = next;
        if (metrics != null) {
            metrics.agentState(next.reason());
        }
    }

    public State state() {
        return state;
    }

    /** Whether the reconciler thread is alive and not stuck (it beats every second). */
    public boolean live() {
        return !executor.isShutdown() && System.nanoTime() - heartbeat.get() < TimeUnit.SECONDS.toNanos(60);
    }

    public XdpNodeStateStatus lastStatus() {
        return lastStatus;
    }

    public long nodeStateWrites() {
        return writer.writes();
    }

    public long reconciles() {
        return reconciles.get();
    }

    /**
     * Applies the current state once more before the agent stops (SIGTERM), with its Node read directly from the API
     * server rather than from the informer. The DaemonSet controller removes the agent from a node as soon as the
     * node's labels leave the DaemonSet's affinity; the agent sees the same label change through its informer, but
     * may not have applied it yet (debounce, informer lag). Without this, the filters that stopped selecting the node
     * would stay attached with no agent left to remove them. A change that is already applied makes this a no-op;
     * when the API server cannot be reached, everything stays as it is (fail-static).
     */
    public void finishPendingChanges(Duration timeout) {
        if (filterInformer == null || !filterInformer.hasSynced() || !nodeInformer.hasSynced()) {
            return;
        }
        try {
            Node fresh = client.nodes().withName(settings.nodeName()).get();
            if (fresh == null) {
                return;
            }
            executor.submit(() -> {
                freshNode = fresh;
                try {
                    reconcileSafely();
                } finally {
                    freshNode = null;
                }
            }).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (KubernetesClientException | java.util.concurrent.ExecutionException
                | java.util.concurrent.TimeoutException | java.util.concurrent.RejectedExecutionException e) {
            LOG.warnf("last reconcile before shutdown not completed (%s); enforcement stays as it is", e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public synchronized void close() {
        executor.shutdownNow();
        for (SharedIndexInformer<?> informer : new SharedIndexInformer<?>[] {filterInformer, setInformer, nodeInformer}) {
            if (informer != null) {
                informer.stop();
            }
        }
    }
}
