package io.xdpguard.agent.dataplane.rules;

/** A filter cannot be turned into rules (e.g. a missing XdpCidrSet); the message names the field. */
public class RuleSetException extends Exception {
    private final String filter;

    public RuleSetException(String filter, String message) {
        super(message);
        this.filter = filter;
    }

    /** The filter at fault, or null when the interface as a whole is (e.g. too many rules). */
    public String filter() {
        return filter;
    }
}
