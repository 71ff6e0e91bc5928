package io.xdpguard.agent.plan;

/** Why a filter (or, with a null filter, an interface) could not be planned; the message names the field. */
public record FilterError(String filter, String interfaceName, String message) {
    @Override
    public String toString() {
        return (filter == null ? "" : "XdpFilter \"" + filter + "\": ")
                + (interfaceName == null ? "" : "interface " + interfaceName + ": ") + message;
    }
}
