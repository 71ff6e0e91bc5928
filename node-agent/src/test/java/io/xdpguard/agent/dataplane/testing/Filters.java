package io.xdpguard.agent.dataplane.testing;

import io.fabric8.kubernetes.client.utils.Serialization;
import io.xdpguard.api.v1alpha1.XdpFilter;

/** XdpFilters for tests, written as the YAML a user would write. */
public final class Filters {
    private Filters() {
    }

    /** A filter named {@code name} whose spec is the given YAML (indented as under spec:). */
    public static XdpFilter filter(String name, String specYaml) {
        return Serialization.unmarshal("apiVersion: xdpguard.io/v1alpha1\nkind: XdpFilter\nmetadata:\n  name: " + name
                + "\n  generation: 1\nspec:\n" + specYaml.stripIndent().indent(2), XdpFilter.class);
    }
}
