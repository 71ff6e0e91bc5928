package io.xdpguard.api.v1alpha1.status;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** One node (and interface, where it applies) that failed to enforce a filter. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record NodeFailure(
        @JsonPropertyDescription("Node name.") String node,
        @JsonPropertyDescription("Interface name, when the failure is an interface's.") String interfaceName,
        @JsonPropertyDescription("CamelCase reason, e.g. AttachFailed, Conflict, Invalid.") String reason,
        @JsonPropertyDescription("What went wrong, for a human.") String message) {
}
