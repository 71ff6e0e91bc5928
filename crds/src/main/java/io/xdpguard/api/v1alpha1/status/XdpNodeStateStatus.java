package io.xdpguard.api.v1alpha1.status;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** What one node's agent has done in its kernel; the only source of truth the operator aggregates. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class XdpNodeStateStatus {
    @JsonPropertyDescription("Node name.")
    private String node;

    @JsonPropertyDescription("Version of the agent writing this state.")
    private String agentVersion;

    @JsonPropertyDescription("Kernel release of the node.")
    private String kernelVersion;

    @JsonPropertyDescription("Whether bpffs is mounted at /sys/fs/bpf.")
    private Boolean bpffsMounted;

    @JsonPropertyDescription("Number of entries in filters.")
    private Integer filterCount;

    @JsonPropertyDescription("Each filter the agent knows, selected or not.")
    private List<FilterNodeStatus> filters = new ArrayList<>();

    @JsonPropertyDescription("Selected interfaces carrying a foreign XDP program.")
    private List<InterfaceConflict> conflicts = new ArrayList<>();

    @JsonPropertyDescription("Ready: the agent's first sync is applied.")
    private List<Condition> conditions = new ArrayList<>();

    public String getNode() {
        return node;
    }

    public void setNode(String node) {
        this.node = node;
    }

    public String getAgentVersion() {
        return agentVersion;
    }

    public void setAgentVersion(String agentVersion) {
        this.agentVersion = agentVersion;
    }

    public String getKernelVersion() {
        return kernelVersion;
    }

    public void setKernelVersion(String kernelVersion) {
        this.kernelVersion = kernelVersion;
    }

    public Boolean getBpffsMounted() {
        return bpffsMounted;
    }

    public void setBpffsMounted(Boolean bpffsMounted) {
        this.bpffsMounted = bpffsMounted;
    }

    public Integer getFilterCount() {
        return filterCount;
    }

    public void setFilterCount(Integer filterCount) {
        this.filterCount = filterCount;
    }

    public List<FilterNodeStatus> getFilters() {
        return filters;
    }

    public void setFilters(List<FilterNodeStatus> filters) {
        this.filters = filters;
    }

    public List<InterfaceConflict> getConflicts() {
        return conflicts;
    }

    public void setConflicts(List<InterfaceConflict> conflicts) {
        this.conflicts = conflicts;
    }

    public List<Condition> getConditions() {
        return conditions;
    }

    public void setConditions(List<Condition> conditions) {
        this.conditions = conditions;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof XdpNodeStateStatus s && Objects.equals(node, s.node)
                && Objects.equals(agentVersion, s.agentVersion) && Objects.equals(kernelVersion, s.kernelVersion)
                && Objects.equals(bpffsMounted, s.bpffsMounted) && Objects.equals(filterCount, s.filterCount)
                && Objects.equals(filters, s.filters) && Objects.equals(conflicts, s.conflicts)
                && Objects.equals(conditions, s.conditions);
    }

    @Override
    public int hashCode() {
        return Objects.hash(node, agentVersion, kernelVersion, bpffsMounted, filterCount, filters, conflicts, conditions);
    }
}
