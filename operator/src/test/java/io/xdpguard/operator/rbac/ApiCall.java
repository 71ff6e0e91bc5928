package io.xdpguard.operator.rbac;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One request to the API server as the RBAC authorizer sees it: the verb (from the HTTP method, whether the path
 * names one object and whether it watches), the API group, resource and subresource, the namespace (null: cluster
 * scope) and the object name; or, for a path outside any resource (discovery, /version), the non-resource URL.
 */
public record ApiCall(String verb, String group, String resource, String subresource, String namespace, String name,
        String nonResourceUrl) {

    /** From the method and the path with its query, e.g. {@code GET /apis/apps/v1/namespaces/x/daemonsets?watch=true}. */
    public static ApiCall of(String method, String pathAndQuery) {
        int q = pathAndQuery.indexOf('?');
        String path = q < 0 ? pathAndQuery : pathAndQuery.substring(0, q);
        String query = q < 0 ? "" : pathAndQuery.substring(q + 1);
        List<String> parts = new ArrayList<>(Arrays.asList(path.replaceFirst("^/", "").split("/")));
        int restFrom = switch (parts.get(0)) {
            case "api" -> 2;
            case "apis" -> 3;
            default -> Integer.MAX_VALUE;
        };
        if (parts.size() <= restFrom) {
            return new ApiCall(method.toLowerCase(), null, null, null, null, null, path);
        }
        String group = parts.get(0).equals("api") ? "" : parts.get(1);
        List<String> rest = parts.subList(restFrom, parts.size());
        boolean legacyWatch = rest.get(0).equals("watch");
        if (legacyWatch) {
            rest = rest.subList(1, rest.size());
        }
        String namespace = null;
        if (rest.size() >= 3 && rest.get(0).equals("namespaces")) {
            namespace = rest.get(1);
            rest = rest.subList(2, rest.size());
        }
        String name = rest.size() > 1 ? rest.get(1) : null;
        String verb = switch (method) {
            case "GET", "HEAD" -> legacyWatch || Arrays.asList(query.split("&")).contains("watch=true") ? "watch"
                    : name != null ? "get" : "list";
            case "POST" -> "create";
            case "PUT" -> "update";
            case "PATCH" -> "patch";
            case "DELETE" -> name != null ? "delete" : "deletecollection";
            default -> throw new IllegalArgumentException("HTTP method " + method + " of " + pathAndQuery);
        };
        return new ApiCall(verb, group, rest.get(0), rest.size() > 2 ? rest.get(2) : null, namespace, name, null);
    }

    public boolean isResource() {
        return nonResourceUrl == null;
    }

    /** "resource" or "resource/subresource", as RBAC rules name it. */
    public String rbacResource() {
        return subresource == null ? resource : resource + "/" + subresource;
    }

    /** e.g. "update xdpguard.io/xdpfilters/status (cluster)", "get /version". */
    @Override
    public String toString() {
        if (!isResource()) {
            return verb + " " + nonResourceUrl;
        }
        return verb + " " + group + "/" + rbacResource() + " (" + (namespace == null ? "cluster" : "namespace " + namespace) + ")";
    }
}
