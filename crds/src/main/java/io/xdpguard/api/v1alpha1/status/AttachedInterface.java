package io.xdpguard.api.v1alpha1.status;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** An interface carrying the xdpguard program, as the kernel reports it. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AttachedInterface(
        @JsonPropertyDescription("Interface name.") String name,
        @JsonPropertyDescription("Kernel interface index.") Integer ifindex,
        @JsonPropertyDescription("Attach mode actually in use: Native or Generic.") String attachMode,
        @JsonPropertyDescription("Kernel BPF program id (bpftool prog show id N).") Long programId) {
}
