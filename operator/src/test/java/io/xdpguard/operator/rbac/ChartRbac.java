package io.xdpguard.operator.rbac;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The rules a ServiceAccount gets from the chart: those of the ClusterRoles bound to it by ClusterRoleBindings (valid
 * everywhere) and of the Roles and ClusterRoles bound by RoleBindings (valid in the binding's namespace), read from
 * the rendered manifests.
 */
public record ChartRbac(List<Grant> grants) {

    /** One rule of one role; {@code namespace} null: cluster-wide. */
    public record Grant(String role, String namespace, Set<String> apiGroups, Set<String> resources, Set<String> verbs,
            Set<String> resourceNames, Set<String> nonResourceUrls) {

        public boolean allows(ApiCall call) {
            if (!matches(verbs, call.verb())) {
                return false;
            }
            if (!call.isResource()) {
                return namespace == null && nonResourceUrls.stream().anyMatch(u -> u.equals(call.nonResourceUrl())
                        || u.endsWith("*") && call.nonResourceUrl().startsWith(u.substring(0, u.length() - 1)));
            }
            return (namespace == null || namespace.equals(call.namespace()))
                    && matches(apiGroups, call.group()) && matches(resources, call.rbacResource())
                    && (resourceNames.isEmpty() || resourceNames.contains(call.name()));
        }

        /** Whether {@code call} uses the grant's {@code verb} on {@code group/resource}. */
        public boolean usedBy(ApiCall call, String verb, String group, String resource) {
            return allows(call) && call.isResource() && call.verb().equals(verb) && call.group().equals(group)
                    && call.rbacResource().equals(resource);
        }

        private static boolean matches(Set<String> allowed, String value) {
            return allowed.contains("*") || allowed.contains(value);
        }
    }

    /** Everything the chart grants ServiceAccount {@code namespace/serviceAccount}. */
    public static ChartRbac of(List<JsonNode> docs, String namespace, String serviceAccount) {
        List<Grant> grants = new ArrayList<>();
        for (JsonNode binding : docs) {
            String kind = binding.path("kind").asText();
            if (!kind.equals("ClusterRoleBinding") && !kind.equals("RoleBinding")) {
                continue;
            }
            boolean boundToIt = false;
            for (JsonNode s : binding.path("subjects")) {
                boundToIt |= s.path("kind").asText().equals("ServiceAccount") && s.path("name").asText().equals(serviceAccount)
                        && s.path("namespace").asText(binding.path("metadata").path("namespace").asText()).equals(namespace);
            }
            if (!boundToIt) {
                continue;
            }
            JsonNode ref = binding.path("roleRef");
            String scope = kind.equals("RoleBinding") ? binding.path("metadata").path("namespace").asText() : null;
            JsonNode role = docs.stream().filter(d -> d.path("kind").asText().equals(ref.path("kind").asText())
                    && d.path("metadata").path("name").asText().equals(ref.path("name").asText())
                    && (ref.path("kind").asText().equals("ClusterRole")
                            || d.path("metadata").path("namespace").asText().equals(scope)))
                    .findFirst().orElseThrow(() -> new AssertionError(kind + " " + binding.path("metadata").path("name")
                            + " refers to a role the chart does not render: " + ref));
            String roleName = ref.path("kind").asText() + " " + ref.path("name").asText()
                    + (scope == null ? "" : " in " + scope);
            for (JsonNode rule : role.path("rules")) {
                grants.add(new Grant(roleName, scope, set(rule.path("apiGroups")), set(rule.path("resources")),
                        set(rule.path("verbs")), set(rule.path("resourceNames")), set(rule.path("nonResourceURLs"))));
            }
        }
        return new ChartRbac(grants);
    }

    public boolean allows(ApiCall call) {
        return grants.stream().anyMatch(g -> g.allows(call));
    }

    private static Set<String> set(JsonNode array) {
        Set<String> s = new TreeSet<>();
        array.forEach(n -> s.add(n.asText()));
        return s;
    }
}
