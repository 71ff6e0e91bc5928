package io.xdpguard.e2e.apiserver;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;

/**
 * One kind the server serves, as discovery describes it. {@code printerColumns} is the CRD's
 * {@code additionalPrinterColumns} array, or null for built-in kinds (which get the default Name/Age table).
 */
record ResourceType(String group, String version, String plural, String singular, String kind, boolean namespaced,
                    List<String> shortNames, List<String> categories, List<String> subresources,
                    JsonNode printerColumns) {

    static ResourceType builtIn(String groupVersion, String plural, String kind, boolean namespaced,
                                List<String> shortNames, List<String> subresources) {
        int slash = groupVersion.indexOf('/');
        String group = slash < 0 ? "" : groupVersion.substring(0, slash);
        String version = groupVersion.substring(slash + 1);
        return new ResourceType(group, version, plural, kind.toLowerCase(java.util.Locale.ROOT), kind, namespaced,
                shortNames, List.of(), subresources, null);
    }

    String groupVersion() {
        return group.isEmpty() ? version : group + "/" + version;
    }
}
