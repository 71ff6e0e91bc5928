package io.xdpguard.api.v1alpha1.status;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** How many targeted nodes are where. */
public record NodeCounts(
        @JsonPropertyDescription("Nodes the selector matches that can run the agent.") int targeted,
        @JsonPropertyDescription("Targeted nodes enforcing the current generation.") int enforcing,
        @JsonPropertyDescription("Targeted nodes not yet enforcing the current generation.") int pending,
        @JsonPropertyDescription("Targeted nodes that failed to apply the current generation.") int failed,
        @JsonPropertyDescription("enforcing/targeted, for kubectl's Enforcing column.") String summary) {

    public static NodeCounts of(int targeted, int enforcing, int pending, int failed) {
        return new NodeCounts(targeted, enforcing, pending, failed, enforcing + "/" + targeted);
    }
}
