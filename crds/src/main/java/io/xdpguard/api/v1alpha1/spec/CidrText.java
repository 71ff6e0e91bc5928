package io.xdpguard.api.v1alpha1.spec;

/**
 * Canonical texts of addresses held as bytes: IPv4 dotted quad, IPv6 as RFC 5952 section 4 writes it. Public for the
 * agent, which shows packet addresses in the same text as the API's CIDRs.
 */
public final class CidrText {
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private CidrText() {
    }

    /** The address at {@code bytes[at..at+4)}, with "/prefix" unless prefix is negative. */
    public static String ipv4(byte[] bytes, int at, int prefix) {
        StringBuilder out = new StringBuilder(18);
        for (int i = 0; i < 4; i++) {
            if (i > 0) {
                out.append('.');
            }
            out.append(bytes[at + i] & 0xff);
        }
        return withPrefix(out, prefix);
    }

    /** The address at {@code bytes[at..at+16)}: lowercase, no leading zeros, the longest run of two or more zero
     * groups (the first of equal runs) as "::"; with "/prefix" unless prefix is negative. */
    public static String ipv6(byte[] bytes, int at, int prefix) {
        int[] groups = new int[8];
        for (int g = 0; g < 8; g++) {
            groups[g] = (bytes[at + 2 * g] & 0xff) << 8 | bytes[at + 2 * g + 1] & 0xff;
        }
        int runStart = -1;
        int runLength = 1;
        for (int g = 0; g < 8; ) {
            if (groups[g] != 0) {
                g++;
                continue;
            }
            int end = g;
            while (end < 8 && groups[end] == 0) {
                end++;
            }
            if (end - g > runLength) {
                runStart = g;
                runLength = end - g;
            }
            g = end;
        }
        StringBuilder out = new StringBuilder(44);
        for (int g = 0; g < 8; g++) {
            if (g == runStart) {
                out.append("::");
                g += runLength - 1;
                continue;
            }
            if (g > 0 && g != runStart + runLength) {
                out.append(':');
            }
            appendHex(out, groups[g]);
        }
        return withPrefix(out, prefix);
    }

    private static void appendHex(StringBuilder out, int group) {
        boolean started = false;
        for (int shift = 12; shift >= 0; shift -= 4) {
            int digit = group >>> shift & 0xf;
            if (digit != 0 || started || shift == 0) {
                out.append(HEX[digit]);
                started = true;
            }
        }
    }

    private static String withPrefix(StringBuilder out, int prefix) {
        if (prefix >= 0) {
            out.append('/').append(prefix);
        }
        return out.toString();
    }
}
