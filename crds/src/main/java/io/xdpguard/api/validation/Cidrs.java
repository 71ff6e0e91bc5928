package io.xdpguard.api.validation;

import inet.ipaddr.AddressStringException;
import inet.ipaddr.AddressStringParameters;
import inet.ipaddr.IPAddress;
import inet.ipaddr.IPAddressString;
import inet.ipaddr.IPAddressStringParameters;

/** Parses the address strings of the API: an IPv4/IPv6 CIDR with no host bits set, or a bare address. */
public final class Cidrs {
    private static final IPAddressStringParameters STRICT = strictParameters();

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
}
