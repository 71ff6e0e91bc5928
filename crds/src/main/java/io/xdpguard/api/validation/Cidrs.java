package io.xdpguard.api.validation;

import inet.ipaddr.AddressStringException;
import inet.ipaddr.AddressStringParameters;
import inet.ipaddr.IPAddress;
import inet.ipaddr.IPAddressString;
import inet.ipaddr.IPAddressStringParameters;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** Parses the address strings of the API: an IPv4/IPv6 CIDR with no host bits set, or a bare address. */
public final class Cidrs {
    private static final IPAddressStringParameters STRICT = strictParameters();
    /** Entries of {@link #RECENT_RULE_ADDRESSES}: the rules of a few full interfaces, ~300 bytes each. */
    static final int RECENT_CAPACITY = 8192;
    /** Text to its {@link IPAddress}, or to the message of the error it gives; least recently used first. */
    private static final Map<String, Object> RECENT_RULE_ADDRESSES = Collections.synchronizedMap(
            new LinkedHashMap<>(256, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, Object> eldest) {
                    return size() > RECENT_CAPACITY;
                }
            });

    private Cidrs() {
    }

    /** Only the plain notations a firewall rule should use: no masks, ranges, wildcards, zones or inet_aton forms. */
    private static IPAddressStringParameters strictParameters() {
        IPAddressStringParameters.Builder builder = new IPAddressStringParameters.Builder()
                .allowEmpty(false).allowAll(false).allowSingleSegment(false).allowMask(false).allowPrefixOnly(false);
        builder.getIPv4AddressParametersBuilder().allow_inet_aton(false);
        builder.getIPv4AddressParametersBuilder().allowLeadingZeros(false);
        builder.getIPv4AddressParametersBuilder().setRangeOptions(AddressStringParameters.RangeParameters.NO_RANGE);
        builder.getIPv6AddressParametersBuilder().allowZone(false);
        builder.getIPv6AddressParametersBuilder().setRangeOptions(AddressStringParameters.RangeParameters.NO_RANGE);
        return builder.toParams();
    }

    /**
     * The prefix block the text names: {@code 10.0.0.0/8}, {@code 2001:db8::/32}, or a bare address as a /32 or /128.
     *
     * @throws IllegalArgumentException with a message fit for a user when the text is not such a CIDR
     */
    public static IPAddress parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("an address or CIDR is required");
        }
        IPAddress address;
        try {
            address = new IPAddressString(text.trim(), STRICT).toAddress();
        } catch (AddressStringException e) {
            throw new IllegalArgumentException("\"" + text + "\" is not an IPv4/IPv6 address or CIDR");
        }
        if (!address.isPrefixed()) {
            return address.withoutPrefixLength().toPrefixBlock(address.getBitCount());
        }
        if (!address.isPrefixBlock()) {
            throw new IllegalArgumentException("\"" + text + "\" has host bits set; did you mean \""
                    + address.toPrefixBlock().toCanonicalString() + "\"?");
        }
        return address;
    }

    /**
     * {@link #parse}, answered from a bounded cache of recent texts: for the addresses of rules, which each new
     * generation of a filter mostly repeats and which are parsed again on every change (validation, then merge). Not
     * for XdpCidrSets: each version of a set is parsed once, and a million entries would only flush the cache.
     */
    public static IPAddress parseRuleAddress(String text) {
        Object parsed = RECENT_RULE_ADDRESSES.get(text);
        if (parsed == null) {
            try {
                parsed = parse(text);
            } catch (IllegalArgumentException e) {
                parsed = e.getMessage();
            }
            RECENT_RULE_ADDRESSES.put(text, parsed);
        }
        if (parsed instanceof IPAddress address) {
            return address;
        }
        throw new IllegalArgumentException((String) parsed);
    }
}
