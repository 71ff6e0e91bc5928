package io.xdpguard.api.validation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import inet.ipaddr.IPAddress;
import inet.ipaddr.ipv4.IPv4Address;
import inet.ipaddr.ipv6.IPv6Address;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ParsedCidrTest {
    private static final String ALPHABET = "0123456789abcdefABCDEFg:./ %-x+";

    @Test
    void plainNotationsTakeTheFastPathAndMeanWhatCidrsParseMeans() {
        ParsedCidr cidr = new ParsedCidr();
        for (String text : new String[] {"10.0.0.0/8", "198.51.100.7", " 0.0.0.0/0 ", "255.255.255.255/32",
                "2001:db8::/32", "2001:DB8:0:0:0:0:0:7", "::", "::/0", "::1", "fe80::/10", "1:2:3:4:5:6:7::",
                "2001:db8:100::/48", "0:0:0:0:0:0:0:0/128"}) {
            assertThat(cidr.parsePlain(text)).as(text).isTrue();
            assertSameAsCidrsParse(text, cidr, "");
        }
    }

    @Test
    void everythingElseGetsCidrsParseVerdictAndMessage() {
        ParsedCidr cidr = new ParsedCidr();
        for (String text : new String[] {"10.0.0.1/8", "2001:db8::1/32", "010.0.0.0/8", "10.0.0.0/08", "1.2.3",
                "1.2.3.4/33", "::ffff:1.2.3.4", "fe80::1%eth0", "1::2::3", ":1::", "1:2:3:4:5:6:7:8:9", "12345::",
                "10.0.0.0/", "", "  ", "10.0.0.0-10.0.0.9", "*", "1.2.3.256", "\u0661.2.3.4"}) {
            assertThat(cidr.parsePlain(text)).as(text).isFalse();
            assertSameAsCidrsParse(text, cidr, "");
        }
        assertThatThrownBy(() -> new ParsedCidr().parse(null)).hasMessage("an address or CIDR is required");
        assertThatThrownBy(() -> new ParsedCidr().parse("10.0.0.1/8"))
                .hasMessage("\"10.0.0.1/8\" has host bits set; did you mean \"10.0.0.0/8\"?");
    }

    /** Random prefixes in several notations, a third of them edited at random: the results equal ipaddr's. */
    @Test
    void randomTextsParseAsCidrsParseDoes() {
        long seed = new Random().nextLong();
        Random random = new Random(seed);
        ParsedCidr reused = new ParsedCidr();
        int fast = 0;
        for (int i = 0; i < 20_000; i++) {
            String text = randomText(random);
            if (random.nextInt(3) == 0) {
                text = mutate(text, random);
            }
            assertSameAsCidrsParse(text, reused, "seed " + seed);
            fast += reused.parsePlain(text) ? 1 : 0;
        }
        assertThat(fast).as("texts that took the fast path, seed " + seed).isGreaterThan(5_000);
    }

    private static String randomText(Random random) {
        IPAddress address;
        int bits;
        if (random.nextBoolean()) {
            bits = 32;
            address = new IPv4Address(random.nextInt());
        } else {
            bits = 128;
            byte[] bytes = new byte[16];
            random.nextBytes(bytes);
            for (int b = random.nextInt(17); b < 16; b++) {
                bytes[b] = random.nextInt(3) == 0 ? bytes[b] : 0;
            }
            address = new IPv6Address(bytes);
        }
        int length = random.nextInt(bits + 1);
        IPAddress prefixed = random.nextInt(4) == 0 ? address.setPrefixLength(length, false)
                : address.toPrefixBlock(length).getLower().setPrefixLength(length, false);
        String text = switch (random.nextInt(4)) {
            case 0 -> prefixed.toCanonicalString();
            case 1 -> prefixed.toFullString();
            case 2 -> prefixed.toCompressedString().toUpperCase();
            default -> prefixed.withoutPrefixLength().toNormalizedString();
        };
        return random.nextInt(10) == 0 ? " " + text + "\t" : text;
    }

    private static String mutate(String text, Random random) {
        StringBuilder b = new StringBuilder(text);
        for (int edits = 1 + random.nextInt(2); edits > 0; edits--) {
            int at = random.nextInt(b.length() + 1);
            char c = ALPHABET.charAt(random.nextInt(ALPHABET.length()));
            int kind = at == b.length() ? 0 : random.nextInt(3);
            switch (kind) {
                case 0 -> b.insert(at, c);
                case 1 -> b.deleteCharAt(at);
                default -> b.setCharAt(at, c);
            }
        }
        return b.toString();
    }

    private static void assertSameAsCidrsParse(String text, ParsedCidr cidr, String context) {
        String expected;
        try {
            IPAddress a = Cidrs.parse(text);
            expected = (a.isIPv4() ? "4 " : "6 ") + HexFormat.of().formatHex(a.getBytes()) + "/"
                    + a.getNetworkPrefixLength();
        } catch (IllegalArgumentException e) {
            expected = "error: " + e.getMessage();
        }
        String actual;
        try {
            cidr.parse(text);
            byte[] bytes;
            if (cidr.isIpv4()) {
                int v = cidr.ipv4();
                bytes = new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
            } else {
                bytes = new byte[16];
                cidr.copyIpv6(bytes, 0);
            }
            actual = (cidr.isIpv4() ? "4 " : "6 ") + HexFormat.of().formatHex(bytes) + "/" + cidr.length();
        } catch (IllegalArgumentException e) {
            actual = "error: " + e.getMessage();
        }
        assertThat(actual).as("\"%s\" %s", text, context).isEqualTo(expected);
    }
}
