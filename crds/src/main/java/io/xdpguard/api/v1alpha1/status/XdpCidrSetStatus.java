package io.xdpguard.api.v1alpha1.status;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** Whether a CIDR set is valid, and its size. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class XdpCidrSetStatus {
    @JsonPropertyDescription("Number of CIDRs in the accepted spec.")
    private Integer count;

    @JsonPropertyDescription("The generation this status describes.")
    private Long observedGeneration;

    @JsonPropertyDescription("Accepted: the spec is valid.")
    private List<Condition> conditions = new ArrayList<>();

    public Integer getCount() {
        return count;
    }

    public void setCount(Integer count) {
        this.count = count;
    }

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

    @Override
    public boolean equals(Object o) {
        return o instanceof XdpCidrSetStatus s && Objects.equals(count, s.count)
                && Objects.equals(observedGeneration, s.observedGeneration) && Objects.equals(conditions, s.conditions);
    }

    @Override
    public int hashCode() {
        return Objects.hash(count, observedGeneration, conditions);
    }
}
