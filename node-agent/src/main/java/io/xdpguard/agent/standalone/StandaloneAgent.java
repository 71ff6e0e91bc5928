package io.xdpguard.agent.standalone;

import io.xdpguard.agent.dataplane.Dataplane;
import io.xdpguard.agent.dataplane.InterfaceReport;
import io.xdpguard.agent.dataplane.rules.FailsafeConfig;
import io.xdpguard.agent.files.ApiObjects;
import io.xdpguard.agent.metrics.AgentMetrics;
import io.xdpguard.agent.plan.FilterError;
import io.xdpguard.agent.plan.Plan;
import io.xdpguard.agent.plan.Planner;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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

    /** The outcome of one pass: what the kernel holds, and every error (files, filters, interfaces). */
    public record Sync(List<InterfaceReport> interfaces, List<String> errors) {
    }

    /** Reads, plans and applies once. */
    public Sync syncOnce() throws IOException {
        long started = System.nanoTime();
        ApiObjects objects = files.read();
        Plan plan = Planner.plan(objects.filters(), objects.cidrSets(), nodeLabels.get(), interfaces.get(), failsafe);
        long switchedBefore = dataplane.lastSwitchNanos();
        List<InterfaceReport> reports = dataplane.apply(plan.interfaces());
        if (metrics != null) {
            metrics.applied(started, System.nanoTime());
            long switched = dataplane.lastSwitchNanos();
            if (switched != switchedBefore) {
                metrics.switched(started, switched);
            }
            metrics.enforced(plan.interfaces(), reports, true);
        }
        List<String> errors = new ArrayList<>(objects.errors());
        plan.errors().stream().map(FilterError::toString).forEach(errors::add);
        reports.stream().filter(r -> r.state() == InterfaceReport.State.FAILED || r.state() == InterfaceReport.State.CONFLICT)
                .forEach(r -> errors.add("interface " + r.name() + ": " + r.message()));
        String status = StatusTable.render(reports, plan.filtersByInterface(), errors);
        if (!status.equals(lastStatus)) {
            out.print(status);
            out.flush();
            lastStatus = status;
        }
        return new Sync(reports, errors);
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
