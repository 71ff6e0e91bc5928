package io.xdpguard.e2e.apiserver;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A resource URL taken apart: {@code /api/v1[/namespaces/NS]/PLURAL[/NAME[/SUBRESOURCE]]} or the same under
 * {@code /apis/GROUP/VERSION}. The group is empty for the core API.
 */
record ApiPath(String group, String version, String namespace, String plural, String name, String subresource) {
    // Subresources of a Namespace object itself, which would otherwise read as "a resource type in namespace NS".
    private static final Set<String> NAMESPACE_SUBRESOURCES = Set.of("status", "finalize");

    static Optional<ApiPath> parse(String path) {
        List<String> segments = Arrays.stream(path.split("/")).filter(s -> !s.isEmpty()).toList();
        int resourceStart;
        String group;
        if (segments.size() >= 3 && segments.get(0).equals("api")) {
            group = "";
            resourceStart = 2;
        } else if (segments.size() >= 4 && segments.get(0).equals("apis")) {
            group = segments.get(1);
            resourceStart = 3;
        } else {
            return Optional.empty();
        }
        String version = segments.get(resourceStart - 1);
        List<String> rest = segments.subList(resourceStart, segments.size());
        String namespace = null;
        if (rest.size() >= 3 && rest.get(0).equals("namespaces")
                && !(rest.size() == 3 && NAMESPACE_SUBRESOURCES.contains(rest.get(2)))) {
            namespace = rest.get(1);
            rest = rest.subList(2, rest.size());
        }
        if (rest.isEmpty() || rest.size() > 3) {
            return Optional.empty();
        }
        return Optional.of(new ApiPath(group, version, namespace, rest.get(0),
                rest.size() > 1 ? rest.get(1) : null, rest.size() > 2 ? rest.get(2) : null));
    }

    boolean isStatus() {
        return "status".equals(subresource);
    }

    /** The URL without a query string. */
    String path() {
        return subresource == null ? objectPath() : objectPath() + "/" + subresource;
    }

    /** The URL of the object itself, without a subresource. */
    String objectPath() {
        return collectionPath() + "/" + name;
    }

    /** The URL a create of this kind is POSTed to. */
    String collectionPath() {
        String prefix = group.isEmpty() ? "/api/" + version : "/apis/" + group + "/" + version;
        return prefix + (namespace == null ? "" : "/namespaces/" + namespace) + "/" + plural;
    }
}
