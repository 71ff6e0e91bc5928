package io.xdpguard.e2e.apiserver;

import java.util.List;

import static io.xdpguard.e2e.apiserver.ResourceType.builtIn;

/**
 * The Kubernetes kinds the operator, the agents and kubectl touch, as a v1.32 server lists them in discovery. The
 * store accepts any path; this list is what clients can discover and what the server answers for (anything else is
 * 404, as on a real server).
 */
final class BuiltInResources {
    private static final List<String> STATUS = List.of("status");
    private static final List<String> NONE = List.of();

    static final List<ResourceType> ALL = List.of(
            builtIn("v1", "namespaces", "Namespace", false, List.of("ns"), STATUS),
            builtIn("v1", "nodes", "Node", false, List.of("no"), STATUS),
            builtIn("v1", "pods", "Pod", true, List.of("po"), STATUS),
            builtIn("v1", "services", "Service", true, List.of("svc"), STATUS),
            builtIn("v1", "endpoints", "Endpoints", true, List.of("ep"), NONE),
            builtIn("v1", "configmaps", "ConfigMap", true, List.of("cm"), NONE),
            builtIn("v1", "secrets", "Secret", true, NONE, NONE),
            builtIn("v1", "serviceaccounts", "ServiceAccount", true, List.of("sa"), NONE),
            builtIn("v1", "events", "Event", true, List.of("ev"), NONE),
            builtIn("v1", "persistentvolumeclaims", "PersistentVolumeClaim", true, List.of("pvc"), STATUS),
            builtIn("v1", "persistentvolumes", "PersistentVolume", false, List.of("pv"), STATUS),
            builtIn("apps/v1", "daemonsets", "DaemonSet", true, List.of("ds"), STATUS),
            builtIn("apps/v1", "deployments", "Deployment", true, List.of("deploy"), STATUS),
            builtIn("apps/v1", "replicasets", "ReplicaSet", true, List.of("rs"), STATUS),
            builtIn("apps/v1", "statefulsets", "StatefulSet", true, List.of("sts"), STATUS),
            builtIn("coordination.k8s.io/v1", "leases", "Lease", true, NONE, NONE),
            builtIn("events.k8s.io/v1", "events", "Event", true, List.of("ev"), NONE),
            builtIn("apiextensions.k8s.io/v1", "customresourcedefinitions", "CustomResourceDefinition", false,
                    List.of("crd", "crds"), STATUS),
            builtIn("rbac.authorization.k8s.io/v1", "clusterroles", "ClusterRole", false, NONE, NONE),
            builtIn("rbac.authorization.k8s.io/v1", "clusterrolebindings", "ClusterRoleBinding", false, NONE, NONE),
            builtIn("rbac.authorization.k8s.io/v1", "roles", "Role", true, NONE, NONE),
            builtIn("rbac.authorization.k8s.io/v1", "rolebindings", "RoleBinding", true, NONE, NONE),
            builtIn("policy/v1", "poddisruptionbudgets", "PodDisruptionBudget", true, List.of("pdb"), STATUS));

    private BuiltInResources() {
    }
}
