package io.xdpguard.api.v1alpha1.status;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** A selected interface that already carries an XDP program that is not xdpguard's: left untouched. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record InterfaceConflict(
        @JsonPropertyDescription("Interface name.") String interfaceName,
        @JsonPropertyDescription("Kernel BPF program id of the foreign program.") Long programId,
        @JsonPropertyDescription("Name of the foreign program.") String programName,
        @JsonPropertyDescription("What xdpguard did about it.") String message) {
}
