package io.xdpguard.operator.rbac;

import io.xdpguard.operator.helm.ChartTemplate;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * What the chart (default values) grants the operator's ServiceAccount, and the two-way comparison with the API calls
 * the operator was recorded making (XdpFilterOperatorTest records them; it runs the operator once).
 */
public final class OperatorRbac {
    public static final String SERVICE_ACCOUNT = "xdpguard-operator";
    private static ChartRbac chart;

    /**
     * Calls Kubernetes' default ClusterRoles allow every authenticated user, which the chart therefore need not
     * grant: system:basic-user (self reviews; JOSDK's leader election asks a SelfSubjectRulesReview whether it may
     * use Leases) and system:discovery (API discovery, /version).
     */
    static final ChartRbac BUILT_IN = new ChartRbac(List.of(
            new ChartRbac.Grant("ClusterRole system:basic-user", null, Set.of("authorization.k8s.io"),
                    Set.of("selfsubjectaccessreviews", "selfsubjectrulesreviews"), Set.of("create"), Set.of(), Set.of()),
            new ChartRbac.Grant("ClusterRole system:basic-user", null, Set.of("authentication.k8s.io"),
                    Set.of("selfsubjectreviews"), Set.of("create"), Set.of(), Set.of()),
            new ChartRbac.Grant("ClusterRole system:discovery", null, Set.of(), Set.of(), Set.of("get"), Set.of(),
                    Set.of("/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez", "/readyz", "/openapi",
                            "/openapi/*", "/version", "/version/"))));

    /**
     * Grants ("verb group/resource [role]") the recorded run does not exercise, each with the reason it stays. Add an
     * entry only for a call on a path the test cannot reach, and say which.
     */
    static final Map<String, String> NOT_EXERCISED = Map.of(
            // JOSDK adds and removes the finalizer with a JSON patch guarded by resourceVersion; on a 409 conflict it
            // reads the filter again (ResourceOperations.conflictRetryingPatch) and retries. The mock never conflicts.
            "get xdpguard.io/xdpfilters [ClusterRole xdpguard-operator]", "finalizer patch retried after a conflict",
            // JOSDK checks with a SelfSubjectRulesReview that get, create AND update on leases are granted before it
            // starts leader election, and refuses to start otherwise; fabric8's LeaseLock itself renews by patch.
            "update coordination.k8s.io/leases [Role xdpguard-operator in xdpguard-system]",
            "required by JOSDK's lease access check");

    private OperatorRbac() {
    }

    public static synchronized ChartRbac chart() {
        if (chart == null) {
            chart = ChartRbac.of(ChartTemplate.render("1.31.0", c -> c), ChartTemplate.NS, SERVICE_ACCOUNT);
        }
        return chart;
    }

    /** Calls neither the chart nor Kubernetes' defaults allow. */
    public static Set<String> notGranted(Collection<ApiCall> calls) {
        Set<String> out = new TreeSet<>();
        calls.stream().filter(c -> !chart().allows(c) && !BUILT_IN.allows(c)).forEach(c -> out.add(c.toString()));
        return out;
    }

    /** Grants ("verb group/resource [role]") no call used, leaving out the commented {@link #NOT_EXERCISED}. */
    public static Set<String> unused(Collection<ApiCall> calls) {
        Set<String> out = new TreeSet<>();
        for (ChartRbac.Grant g : chart().grants()) {
            for (String v : g.verbs()) {
                for (String group : g.apiGroups()) {
                    for (String r : g.resources()) {
                        if (calls.stream().noneMatch(c -> g.usedBy(c, v, group, r))) {
                            out.add(v + " " + group + "/" + r + " [" + g.role() + "]");
                        }
                    }
                }
            }
        }
        out.removeAll(NOT_EXERCISED.keySet());
        return out;
    }
}
