package io.xdpguard.agent.files;

import io.xdpguard.api.v1alpha1.XdpCidrSet;
import io.xdpguard.api.v1alpha1.XdpFilter;
import java.util.List;
import java.util.Map;

/**
 * The XdpFilters and XdpCidrSets read from files, and the files (or documents) that could not be used, each with
 * a message that names the file and the field.
 */
public record ApiObjects(List<XdpFilter> filters, Map<String, XdpCidrSet> cidrSets, List<String> errors) {
    public ApiObjects {
        filters = List.copyOf(filters);
        cidrSets = Map.copyOf(cidrSets);
        errors = List.copyOf(errors);
    }
}
