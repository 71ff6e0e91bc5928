package io.xdpguard.api.v1alpha1.status;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** The operator's roll-up of every targeted node's report. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class XdpFilterStatus {
    /** Condition types. */
    public static final String ACCEPTED = "Accepted";
    public static final String READY = "Ready";
    public static final String DEGRADED = "Degraded";
    /** True while the current generation is rejected (kstatus' abnormal-true condition: GitOps tools see a failure). */
    public static final String STALLED = "Stalled";

    @JsonPropertyDescription("The generation this status describes.")
    private Long observedGeneration;

    @JsonPropertyDescription("Accepted (the spec is valid), Stalled (this generation is rejected; the others describe the one in force), Ready (every targeted node enforces this generation), Degraded (some node failed).")
    private List<Condition> conditions = new ArrayList<>();

    @JsonPropertyDescription("Node counts.")
    private NodeCounts nodes;

    @JsonPropertyDescription("Number of rules in the accepted spec.")
    private Integer ruleCount;

    @JsonPropertyDescription("Up to 10 node or interface failures.")
    private List<NodeFailure> failures = new ArrayList<>();

    public Long getObservedGeneration() {
        return observedGeneration;
    }

    public void setObservedGeneration(Long observedGeneration) {
        this.observedGeneration = observedGeneration;
    }

    public List<Condition> getConditions() {
        return conditions;
    }

    public void setConditions(List<Condition> conditions) {
        this.conditions = conditions;
    }

    public NodeCounts getNodes() {
        return nodes;
    }

    public void setNodes(NodeCounts nodes) {
        this.nodes = nodes;
    }

    public Integer getRuleCount() {
        return ruleCount;
    }

    public void setRuleCount(Integer ruleCount) {
        this.ruleCount = ruleCount;
    }

    public List<NodeFailure> getFailures() {
        return failures;
    }

    public void setFailures(List<NodeFailure> failures) {
        this.failures = failures;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof XdpFilterStatus s && Objects.equals(observedGeneration, s.observedGeneration)
                && Objects.equals(conditions, s.conditions) && Objects.equals(nodes, s.nodes)
                && Objects.equals(ruleCount, s.ruleCount) && Objects.equals(failures, s.failures);
    }

    @Override
    public int hashCode() {
        return Objects.hash(observedGeneration, conditions, nodes, ruleCount, failures);
    }
}
