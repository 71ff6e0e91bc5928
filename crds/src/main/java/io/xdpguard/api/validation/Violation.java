package io.xdpguard.api.validation;

/** One reason a spec is invalid, naming the exact field, e.g. {@code spec.rules[2].ports[0]}. */
public record Violation(String field, String message) {
    @Override
    public String toString() {
        return field + ": " + message;
    }
}
