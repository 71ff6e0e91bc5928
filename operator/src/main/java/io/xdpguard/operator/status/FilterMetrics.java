package io.xdpguard.operator.status;

import io.fabric8.kubernetes.api.model.Condition;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.xdpguard.api.v1alpha1.status.XdpFilterStatus;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code xdpguard_filters{condition, status}}: how many filters have each condition in each status, from the last
 * status the operator computed for each. Reconcile counts and latency come from the operator SDK's own Micrometer
 * metrics (JOSDK's {@code reconciliations.*} meters).
 */
@ApplicationScoped
public class FilterMetrics {
    private static final List<String> TYPES = List.of(XdpFilterStatus.ACCEPTED, XdpFilterStatus.STALLED, XdpFilterStatus.READY,
            XdpFilterStatus.DEGRADED);
    private static final List<String> STATUSES = List.of("True", "False", "Unknown");

    private final Map<String, List<Condition>> conditionsByFilter = new ConcurrentHashMap<>();

    public FilterMetrics(MeterRegistry registry) {
        for (String type : TYPES) {
            for (String status : STATUSES) {
                Gauge.builder("xdpguard.filters", () -> count(type, status))
                        .description("XdpFilters by condition and status")
                        .tag("condition", type).tag("status", status).register(registry);
            }
        }
    }

    public void observed(String filter, XdpFilterStatus status) {
        conditionsByFilter.put(filter, status.getConditions() == null ? List.of() : List.copyOf(status.getConditions()));
    }

    public void forget(String filter) {
        conditionsByFilter.remove(filter);
    }

    long count(String type, String status) {
        return conditionsByFilter.values().stream()
                .filter(cs -> Conditions.find(cs, type).map(Condition::getStatus).orElse("Unknown").equals(status))
                .count();
    }
}
