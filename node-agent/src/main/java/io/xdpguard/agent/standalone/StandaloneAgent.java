package io.xdpguard.agent.standalone;

import io.xdpguard.agent.dataplane.Dataplane;
import io.xdpguard.agent.dataplane.InterfacePlan;
import io.xdpguard.agent.dataplane.InterfaceReport;
import io.xdpguard.agent.dataplane.rules.FailsafeConfig;
import io.xdpguard.agent.dataplane.rules.MatchRule;
import io.xdpguard.agent.files.ApiObjects;
import io.xdpguard.agent.metrics.AgentMetrics;
import io.xdpguard.agent.plan.FilterError;
import io.xdpguard.agent.plan.Plan;
import io.xdpguard.agent.plan.Planner;
import io.xdpguard.agent.plan.Selection;
import io.xdpguard.api.v1alpha1.XdpFilter;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The agent without Kubernetes: enforces the XdpFilters and XdpCidrSets of a directory on this host, re-reading
 * the directory and the host's interfaces every interval, and prints a status table whenever it changes.
 */
public final class StandaloneAgent {
    private final Dataplane dataplane;
    private final LastGoodFiles files;
    private final Supplier<Map<String, String>> nodeLabels;
    private final Supplier<List<String>> interfaces;
    private final FailsafeConfig failsafe;
    private final PrintWriter out;
    private final AgentMetrics metrics;
    private String lastStatus = "";
    private Consumer<List<InterfaceReport>> reportListener = reports -> { };
    /** Per interface, the plan last applied: what an interface whose rules fail to merge keeps. */
    private final Map<String, InterfacePlan> lastApplied = new TreeMap<>();

    /** @param metrics the same Prometheus metrics as cluster mode; null when nothing scrapes (tests) */
    public StandaloneAgent(Dataplane dataplane, Path configDir, Supplier<Map<String, String>> nodeLabels,
            Supplier<List<String>> interfaces, FailsafeConfig failsafe, PrintWriter out, AgentMetrics metrics) {
        this.dataplane = dataplane;
        this.files = new LastGoodFiles(configDir);
        this.nodeLabels = nodeLabels;
        this.interfaces = interfaces;
        this.failsafe = failsafe;
        this.out = out;
        this.metrics = metrics;
    }

    /**
     * Valid filters on no interface of this host, and why: a forgotten --node-labels or a typo in an interface glob
     * would otherwise only show as a filter missing from the table.
     */
    private List<String> notApplied(List<XdpFilter> filters, Map<String, List<String>> byInterface) {
        Set<String> shown = new TreeSet<>();
        byInterface.values().forEach(shown::addAll);
        Map<String, String> labels = nodeLabels.get();
        List<String> hostInterfaces = interfaces.get();
        List<String> lines = new ArrayList<>();
        for (XdpFilter filter : filters) {
            String name = filter.getMetadata().getName();
            if (shown.contains(name)) {
                continue;
            }
            if (!Selection.selectsNode(filter.getSpec().getNodeSelector(), labels)) {
                lines.add(name + ": its nodeSelector does not match this host's labels " + labels);
            } else if (hostInterfaces.stream().noneMatch(i -> Selection.selectsInterface(filter.getSpec().getInterfaces(), i))) {
                lines.add(name + ": its interfaces select none of this host's " + hostInterfaces);
            }
        }
        return lines;
    }

    private static Map<String, String> ruleSetIds(Map<String, InterfacePlan> plans) {
        Map<String, String> ids = new TreeMap<>();
        plans.forEach((name, plan) -> ids.put(name, plan.ruleSetId()));
        return ids;
    }

    /** The filters the kernel enforces on each reported interface (read from the pins), for the status table. */
    private Map<String, List<String>> inForce(List<InterfaceReport> reports) {
        Map<String, List<String>> byInterface = new TreeMap<>();
        for (InterfaceReport report : reports) {
            dataplane.filtersInForce(report.name()).ifPresent(filters -> byInterface.put(report.name(), filters.stream()
                    .filter(f -> !FailsafeConfig.FILTER_NAME.equals(f)).toList()));
        }
        return byInterface;
    }

    /** Called after every pass with the interfaces' reports (drop samples name their interfaces from them). */
    public void onReports(Consumer<List<InterfaceReport>> listener) {
        this.reportListener = listener;
    }

    /** The outcome of one pass: what the kernel holds, and every error (files, filters, interfaces). */
    public record Sync(List<InterfaceReport> interfaces, List<String> errors) {
    }

    /**
     * Reads, plans and applies once. Bad input changes nothing that runs: an interface whose rules fail to merge keeps
     * the plan last applied to it, and when that plan is unknown (this process did not apply it), or when an error
     * would take away a filter the kernel enforces (an invalid file with no valid version known, a filter that no
     * longer resolves), nothing is applied at all.
     */
    public Sync syncOnce() throws IOException {
        long started = System.nanoTime();
        ApiObjects objects = files.read();
        Plan plan = Planner.plan(objects.filters(), objects.cidrSets(), nodeLabels.get(), interfaces.get(), failsafe);
        List<String> errors = new ArrayList<>(objects.errors());
        plan.errors().stream().map(FilterError::toString).forEach(errors::add);
        Map<String, InterfacePlan> plans = new TreeMap<>();
        plan.interfaces().forEach(p -> plans.put(p.name(), p));
        Map<String, List<String>> byInterface = new TreeMap<>(plan.filtersByInterface());
        String hold = null;
        for (FilterError error : plan.errors()) {
            String name = error.interfaceName();
            if (name == null || plans.containsKey(name)) {
                continue;
            }
            InterfacePlan kept = lastApplied.get(name);
            if (kept != null) {
                plans.put(name, kept);
                byInterface.put(name, kept.rules().rules().stream().map(MatchRule::filter).distinct().toList());
            } else if (dataplane.attachedInterfaces().contains(name)) {
                hold = "the rules for " + name + " cannot be merged and what the kernel enforces there was applied "
                        + "before this process started";
            }
        }
        if (hold == null && !errors.isEmpty()) {
            hold = wouldDropEnforcedFilter(byInterface, plan);
        }
        List<InterfaceReport> reports;
        if (hold != null) {
            errors.add("nothing was changed: " + hold);
            reports = dataplane.observe();
            byInterface = inForce(reports);
            if (metrics != null) {
                metrics.agentState("NothingChanged");
            }
        } else {
            List<InterfacePlan> toApply = List.copyOf(plans.values());
            boolean changed = !ruleSetIds(plans).equals(ruleSetIds(lastApplied));
            long switchedBefore = dataplane.lastSwitchNanos();
            reports = dataplane.apply(toApply);
            lastApplied.clear();
            lastApplied.putAll(plans);
            if (metrics != null) {
                if (changed) { // a pass that finds nothing new is no change to time
                    metrics.applied(started, System.nanoTime());
                }
                metrics.agentState("Synced");
                long switched = dataplane.lastSwitchNanos();
                if (switched != switchedBefore) {
                    metrics.switched(started, switched);
                }
                metrics.enforced(toApply, reports, true);
            }
        }
        reportListener.accept(reports);
        reports.stream().filter(r -> r.state() == InterfaceReport.State.FAILED || r.state() == InterfaceReport.State.CONFLICT)
                .forEach(r -> errors.add("interface " + r.name() + ": " + r.message()));
        String status = StatusTable.render(reports, byInterface, errors, notApplied(objects.filters(), byInterface));
        if (!status.equals(lastStatus)) {
            out.print(status);
            out.flush();
            lastStatus = status;
        }
        return new Sync(reports, errors);
    }

    /**
     * Why applying the plan would take away a filter the kernel enforces while the input has errors (so it may be
     * the errors, not the user, that removed it), or null.
     */
    private String wouldDropEnforcedFilter(Map<String, List<String>> byInterface, Plan plan) {
        Set<String> planned = new TreeSet<>();
        byInterface.values().forEach(planned::addAll);
        for (String iface : dataplane.attachedInterfaces()) {
            Optional<Set<String>> enforced = dataplane.filtersInForce(iface);
            if (enforced.isEmpty()) {
                return "the filters enforced on " + iface + " cannot be read";
            }
            for (String filter : enforced.get()) {
                if (!planned.contains(filter) && !FailsafeConfig.FILTER_NAME.equals(filter)
                        && (!files.complete() || failing(filter, plan))) {
                    return "XdpFilter \"" + filter + "\", enforced on " + iface + ", would be removed by the errors above";
                }
            }
        }
        return null;
    }

    /** Whether the plan left the filter out for an error of its own (e.g. an XdpCidrSet it names is gone). */
    private static boolean failing(String filter, Plan plan) {
        return plan.errors().stream().anyMatch(e -> filter.equals(e.filter()));
    }

    /** Syncs every {@code intervalMillis} until interrupted; a failed pass is reported and retried. */
    public void run(long intervalMillis) throws InterruptedException {
        while (!Thread.currentThread().isInterrupted()) {
            try {
                syncOnce();
            } catch (IOException | RuntimeException e) {
                out.println("error: " + e.getMessage());
                out.flush();
            }
            Thread.sleep(intervalMillis);
        }
    }
}
