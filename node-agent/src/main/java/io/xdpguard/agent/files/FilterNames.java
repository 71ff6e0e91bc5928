package io.xdpguard.agent.files;

import io.xdpguard.api.v1alpha1.XdpFilter;
import java.util.HashMap;
import java.util.Map;

/**
 * XdpFilter names across files and documents: as in a cluster, a name defines one filter (its rules' counters and
 * status are keyed by it). The first definition read wins; a later one is an error that names where both are.
 */
public final class FilterNames {
    private final Map<String, String> definedIn = new HashMap<>();

    /**
     * Null when {@code filter}'s name is new (it is then recorded as defined in {@code where}), else the error:
     * {@code WHERE: XdpFilter "NAME" is already defined in FIRST}.
     */
    public String duplicate(XdpFilter filter, String where) {
        String name = filter.getMetadata().getName();
        String first = definedIn.putIfAbsent(name, where);
        return first == null ? null : where + ": XdpFilter \"" + name + "\" is already defined in " + first;
    }
}
