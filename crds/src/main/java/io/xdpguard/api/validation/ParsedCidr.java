package io.xdpguard.api.validation;

import inet.ipaddr.IPAddress;

/**
 * One CIDR as bits, parsed without creating objects: for the entries of XdpCidrSets, which come by the million and
 * which {@link Cidrs#parse} would turn into {@link IPAddress}es, filling the ipaddr library's segment caches for the
 * life of the process (~15 MB with 100,000 IPv6 entries, measured in the agent's heap). Plain notations (dotted quad,
 * hex groups with at most one {@code ::}, an optional prefix length) take a fast path; every other text, valid or
 * not, goes through {@link Cidrs#parse}, so both accept the same texts, with the same meaning and error messages.
 *
 * <p>Reusable and not thread-safe: {@link #parse} overwrites the previous result.
 */
public final class ParsedCidr {
    private final int[] groups = new int[8];
    private final byte[] ipv6 = new byte[16];
    private boolean isIpv4;
    private int ipv4;
    private int length;

    /**
     * Parses {@code text} as {@link Cidrs#parse} does.
     *
     * @throws IllegalArgumentException with {@link Cidrs#parse}'s message when the text is not a CIDR
     */
    public ParsedCidr parse(String text) {
        if (!parsePlain(text)) {
            set(Cidrs.parse(text));
        }
        return this;
    }

    public boolean isIpv4() {
        return isIpv4;
    }

    /** The IPv4 address as an int (network order read as big-endian); only when {@link #isIpv4()}. */
    public int ipv4() {
        return ipv4;
    }

    /** Copies the 16 IPv6 address bytes into {@code out} at {@code offset}; only when not {@link #isIpv4()}. */
    public void copyIpv6(byte[] out, int offset) {
        System.arraycopy(ipv6, 0, out, offset, 16);
    }

    /** The prefix length: 32 or 128 for a bare address. */
    public int length() {
        return length;
    }

    private void set(IPAddress address) {
        isIpv4 = address.isIPv4();
        length = address.getNetworkPrefixLength();
        if (isIpv4) {
            ipv4 = address.toIPv4().intValue();
        } else {
            address.getBytes(ipv6);
        }
    }

    /**
     * The fast path of {@link #parse} alone: false, with this object's content undefined, when the text is not in a
     * plain notation or is an error (which {@link #parse} then hands to {@link Cidrs#parse}).
     */
    public boolean parsePlain(String text) {
        if (text == null) {
            return false;
        }
        int from = 0;
        int to = text.length();
        while (from < to && text.charAt(from) <= ' ') {
            from++;
        }
        while (to > from && text.charAt(to - 1) <= ' ') {
            to--;
        }
        int slash = text.indexOf('/', from);
        int end = slash < 0 || slash >= to ? to : slash;
        int colon = text.indexOf(':', from);
        boolean v6 = colon >= 0 && colon < end;
        int bits = v6 ? 128 : 32;
        int prefix = bits;
        if (end < to) {
            prefix = prefixLength(text, end + 1, to, bits);
            if (prefix < 0) {
                return false;
            }
        }
        if (v6 ? !ipv6(text, from, end) : !ipv4(text, from, end)) {
            return false;
        }
        length = prefix;
        isIpv4 = !v6;
        return v6 ? ipv6HostBitsClear(prefix) : prefix == 32 || (ipv4 & (-1 >>> prefix)) == 0;
    }

    /** Decimal 0..max without leading zeros, or -1. */
    private static int prefixLength(String text, int from, int to, int max) {
        int n = to - from;
        if (n < 1 || n > 3 || (n > 1 && text.charAt(from) == '0')) {
            return -1;
        }
        int value = 0;
        for (int i = from; i < to; i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value <= max ? value : -1;
    }

    private boolean ipv4(String text, int from, int to) {
        int value = 0;
        int part = 0;
        int i = from;
        for (int p = 0; p < 4; p++) {
            int start = i;
            part = 0;
            while (i < to && i - start < 4) {
                char c = text.charAt(i);
                if (c < '0' || c > '9') {
                    break;
                }
                part = part * 10 + (c - '0');
                i++;
            }
            int digits = i - start;
            if (digits == 0 || digits > 3 || part > 255 || (digits > 1 && text.charAt(start) == '0')) {
                return false;
            }
            value = value << 8 | part;
            if (p < 3) {
                if (i >= to || text.charAt(i) != '.') {
                    return false;
                }
                i++;
            }
        }
        ipv4 = value;
        return i == to;
    }

    private boolean ipv6(String text, int from, int to) {
        int count = 0;
        int gap = -1;
        int i = from;
        if (to - from >= 2 && text.charAt(i) == ':' && text.charAt(i + 1) == ':') {
            gap = 0;
            i += 2;
        }
        while (i < to) {
            int start = i;
            int group = 0;
            while (i < to && i - start < 5) {
                int digit = Character.digit(text.charAt(i), 16);
                if (digit < 0 || text.charAt(i) > 'f') {
                    break;
                }
                group = group << 4 | digit;
                i++;
            }
            if (i == start || i - start > 4 || count == 8) {
                return false;
            }
            groups[count++] = group;
            if (i == to) {
                break;
            }
            if (text.charAt(i) != ':' || i + 1 == to) {
                return false;
            }
            i++;
            if (text.charAt(i) == ':') {
                if (gap >= 0) {
                    return false;
                }
                gap = count;
                i++;
            }
        }
        if (gap < 0 ? count != 8 : count > 7) {
            return false;
        }
        int zeros = 8 - count;
        for (int g = 0, src = 0; g < 8; g++) {
            int value = gap >= 0 && g >= gap && g < gap + zeros ? 0 : groups[src++];
            ipv6[2 * g] = (byte) (value >>> 8);
            ipv6[2 * g + 1] = (byte) value;
        }
        return true;
    }

    private boolean ipv6HostBitsClear(int prefix) {
        for (int bit = prefix; bit < 128; bit++) {
            if ((ipv6[bit >> 3] & (0x80 >>> (bit & 7))) != 0) {
                return false;
            }
        }
        return true;
    }
}
