package io.xdpguard.operator.status;

/** Whether a generation was accepted; when not, a CamelCase reason and a message naming the field. */
public record Acceptance(boolean accepted, String reason, String message) {
    public static final String VALID = "Valid";
    public static final String INVALID = "Invalid";
    public static final String UNKNOWN_CIDR_SET = "UnknownCidrSet";

    public static Acceptance ok() {
        return new Acceptance(true, VALID, "the spec is valid");
    }

    public static Acceptance rejected(String reason, String message) {
        return new Acceptance(false, reason, message);
    }
}
