package io.xdpguard.operator.rbac;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** HTTP method and path to the RBAC verb, resource and scope; rules matched with their namespace scope. */
class ApiCallTest {

    @Test
    void methodAndPathGiveTheVerb() {
        assertThat(ApiCall.of("GET", "/apis/xdpguard.io/v1alpha1/xdpfilters/f").toString())
                .isEqualTo("get xdpguard.io/xdpfilters (cluster)");
        assertThat(ApiCall.of("GET", "/apis/xdpguard.io/v1alpha1/xdpfilters?resourceVersion=0").verb()).isEqualTo("list");
        assertThat(ApiCall.of("GET", "/api/v1/nodes?allowWatchBookmarks=true&watch=true").toString())
                .isEqualTo("watch /nodes (cluster)");
        assertThat(ApiCall.of("GET", "/api/v1/watch/namespaces/ns/events").verb()).isEqualTo("watch");
        assertThat(ApiCall.of("POST", "/api/v1/namespaces/default/events").toString())
                .isEqualTo("create /events (namespace default)");
        assertThat(ApiCall.of("PUT", "/apis/apps/v1/namespaces/ns/daemonsets/a").toString())
                .isEqualTo("update apps/daemonsets (namespace ns)");
        assertThat(ApiCall.of("PATCH", "/apis/xdpguard.io/v1alpha1/xdpfilters/f/status").toString())
                .isEqualTo("patch xdpguard.io/xdpfilters/status (cluster)");
        assertThat(ApiCall.of("DELETE", "/apis/apps/v1/namespaces/ns/daemonsets/a").verb()).isEqualTo("delete");
        assertThat(ApiCall.of("DELETE", "/apis/apps/v1/namespaces/ns/daemonsets?labelSelector=x").verb())
                .isEqualTo("deletecollection");
        assertThat(ApiCall.of("GET", "/api/v1/namespaces/ns").toString()).isEqualTo("get /namespaces (cluster)");
        assertThat(ApiCall.of("GET", "/apis/apps/v1").toString()).isEqualTo("get /apis/apps/v1");
        assertThat(ApiCall.of("GET", "/version").isResource()).isFalse();
    }

    @Test
    void aRoleAllowsOnlyInItsNamespaceAClusterRoleEverywhere() {
        ChartRbac.Grant role = new ChartRbac.Grant("Role r in ns", "ns", Set.of("apps"), Set.of("daemonsets"),
                Set.of("get"), Set.of(), Set.of());
        ChartRbac.Grant clusterRole = new ChartRbac.Grant("ClusterRole c", null, Set.of(""), Set.of("events"),
                Set.of("create"), Set.of(), Set.of());
        ChartRbac rbac = new ChartRbac(List.of(role, clusterRole));
        assertThat(rbac.allows(ApiCall.of("GET", "/apis/apps/v1/namespaces/ns/daemonsets/a"))).isTrue();
        assertThat(rbac.allows(ApiCall.of("GET", "/apis/apps/v1/namespaces/other/daemonsets/a"))).isFalse();
        assertThat(rbac.allows(ApiCall.of("GET", "/apis/apps/v1/daemonsets"))).isFalse();
        assertThat(rbac.allows(ApiCall.of("PUT", "/apis/apps/v1/namespaces/ns/daemonsets/a"))).isFalse();
        assertThat(rbac.allows(ApiCall.of("POST", "/api/v1/namespaces/any/events"))).isTrue();
        assertThat(rbac.allows(ApiCall.of("PATCH", "/api/v1/namespaces/any/events/e"))).isFalse();
        // A subresource needs its own rule.
        assertThat(rbac.allows(ApiCall.of("GET", "/apis/apps/v1/namespaces/ns/daemonsets/a/status"))).isFalse();
    }

    @Test
    void builtInRolesCoverSelfReviewsAndDiscoveryOnly() {
        assertThat(OperatorRbac.BUILT_IN.allows(ApiCall.of("POST", "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews")))
                .isTrue();
        assertThat(OperatorRbac.BUILT_IN.allows(ApiCall.of("GET", "/apis/apps/v1"))).isTrue();
        assertThat(OperatorRbac.BUILT_IN.allows(ApiCall.of("GET", "/version"))).isTrue();
        assertThat(OperatorRbac.BUILT_IN.allows(ApiCall.of("GET", "/api/v1/nodes"))).isFalse();
    }
}
