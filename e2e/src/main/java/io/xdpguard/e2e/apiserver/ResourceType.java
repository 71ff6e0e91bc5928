package io.xdpguard.e2e.apiserver;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;
import java.util.Locale;

/**
 * One kind the server serves, as discovery describes it. For CRD kinds {@code printerColumns} is the version's
 * {@code additionalPrinterColumns} array and {@code schema} its {@code openAPIV3Schema}; both are null for built-in
 * kinds (which get the default Name/Age table and no defaulting).
 */
record ResourceType(String group, String version, String plural, String singular, String kind, boolean namespaced,
                    List<String> shortNames, List<String> categories, List<String> subresources,
                    JsonNode printerColumns, JsonNode schema) {

    static ResourceType builtIn(String groupVersion, String plural, String kind, boolean namespaced,
                                List<String> shortNames, List<String> subresources) {
        int slash = groupVersion.indexOf('/');
        String group = slash < 0 ? "" : groupVersion.substring(0, slash);
        String version = groupVersion.substring(slash + 1);
        return new ResourceType(group, version, plural, kind.toLowerCase(Locale.ROOT), kind, namespaced,
                shortNames, List.of(), subresources, null, null);
    }

    String groupVersion() {
        return group.isEmpty() ? version : group + "/" + version;
    }
}
