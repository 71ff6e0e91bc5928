package io.xdpguard.api.v1alpha1.status;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.List;

/** One filter on one node. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record FilterNodeStatus(
        @JsonPropertyDescription("XdpFilter name.") String name,
        @JsonPropertyDescription("Generation of the filter in force on this node (the last good one).") Long appliedGeneration,
        @JsonPropertyDescription("Enforcing, Pending, Failed or NotSelected.") FilterPhase phase,
        @JsonPropertyDescription("Interfaces carrying this filter.") List<AttachedInterface> interfaces,
        @JsonPropertyDescription("Rules compiled into the dataplane for this filter.") Integer ruleCount,
        @JsonPropertyDescription("Why the phase is what it is, e.g. why the newest generation was not applied.") String message) {
}
