package io.xdpguard.agent.dataplane.rules;

import inet.ipaddr.IPAddress;
import java.util.List;

/**
 * The addresses a rule matches in one dimension. {@code any} is the API's empty list; a rule whose only addresses
 * come from empty CIDR sets has {@code any == false} and no prefixes: it matches nothing.
 */
public record AddressMatch(boolean any, List<IPAddress> prefixes) {
    public static final AddressMatch ANY = new AddressMatch(true, List.of());

    public AddressMatch {
        prefixes = List.copyOf(prefixes);
        if (any && !prefixes.isEmpty()) {
            throw new IllegalArgumentException("an address match is either any or a list of prefixes");
        }
    }

    public static AddressMatch of(List<IPAddress> prefixes) {
        return new AddressMatch(false, prefixes);
    }

    /** Whether the 16-byte IPv4-mapped/IPv6 address is in one of the prefixes. */
    public boolean matches(IPAddress address) {
        if (any) {
            return true;
        }
        for (IPAddress prefix : prefixes) {
            if (prefix.getIPVersion() == address.getIPVersion() && prefix.contains(address)) {
                return true;
            }
        }
        return false;
    }
}
