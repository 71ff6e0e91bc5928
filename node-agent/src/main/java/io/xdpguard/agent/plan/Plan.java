package io.xdpguard.agent.plan;

import io.xdpguard.agent.dataplane.InterfacePlan;
import java.util.List;
import java.util.Map;

/**
 * What this node must enforce: one plan per selected interface, the filters each interface carries, and the
 * errors of filters that could not be used (which then keep whatever they had in force).
 */
public record Plan(List<InterfacePlan> interfaces, Map<String, List<String>> filtersByInterface, List<FilterError> errors) {
    public Plan {
        interfaces = List.copyOf(interfaces);
        filtersByInterface = Map.copyOf(filtersByInterface);
        errors = List.copyOf(errors);
    }
}
