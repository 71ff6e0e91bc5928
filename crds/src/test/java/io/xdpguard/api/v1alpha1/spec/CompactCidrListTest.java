package io.xdpguard.api.v1alpha1.spec;

import static org.assertj.core.api.Assertions.assertThat;

import inet.ipaddr.IPAddress;
import inet.ipaddr.ipv4.IPv4Address;
import inet.ipaddr.ipv6.IPv6Address;
import io.xdpguard.api.validation.ParsedCidr;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CompactCidrListTest {
    @Test
    void canonicalTextsArePackedAndEveryTextComesBackExactly() {
        List<String> texts = List.of("10.0.0.0/8", "192.0.2.7", "0.0.0.0/0", "255.255.255.255/32", "2001:db8::/32",
                "::", "::1", "1::", "2001:db8:0:1:1:1:1:1", "2001:0:0:1::1", "fe80::/10", "1:0:0:2:0:0:0:3/128",
                "2001:DB8::/32", "2001:db8:0::/48", "010.0.0.0/8", " 10.0.0.0/8", "::ffff:192.0.2.1", "nope", "",
                "ünïcödé", "10.0.0.1/8");
        CompactCidrList list = CompactCidrList.of(texts);

        assertThat(list).containsExactlyElementsOf(texts);
        for (int i = texts.size() - 1; i >= 0; i--) {
            assertThat(list.get(i)).isEqualTo(texts.get(i));
        }
    }

    @Test
    void theBitsOfEveryPackedElementAreVisitedInOrderAsParsedCidrReadsTheirTexts() {
        List<String> texts = List.of("10.0.0.0/8", "2001:db8::/32", "192.0.2.7", "::1", "0.0.0.0/0", "fe80::/10");
        CompactCidrList list = CompactCidrList.of(texts);
        List<String> visited = new ArrayList<>();

        list.forEachPrefix(new CompactCidrList.PrefixVisitor() {
            @Override
            public void ipv4(int address, int length) {
                visited.add(new IPv4Address(address) + "/" + length);
            }

            @Override
            public void ipv6(byte[] address, int offset, int length) {
                visited.add(new IPv6Address(Arrays.copyOfRange(address, offset, offset + 16)) + "/" + length);
            }
        });

        assertThat(list.allPacked()).isTrue();
        assertThat(list.ipv4Count()).isEqualTo(3);
        assertThat(list.ipv6Count()).isEqualTo(3);
        assertThat(visited).containsExactly("10.0.0.0/8", "2001:db8::/32", "192.0.2.7/32", "::1/128", "0.0.0.0/0", "fe80::/10");
        ParsedCidr parsed = new ParsedCidr();
        for (int i = 0; i < texts.size(); i++) {
            parsed.parse(texts.get(i));
            byte[] ipv6 = new byte[16];
            parsed.copyIpv6(ipv6, 0);
            String expected = (parsed.isIpv4() ? new IPv4Address(parsed.ipv4()).toString() : new IPv6Address(ipv6).toString())
                    + "/" + parsed.length();
            assertThat(visited.get(i)).isEqualTo(expected);
        }
    }

    @Test
    void aListWithATextNotStoredAsBitsIsNotAllPacked() {
        // host bits set, a leading zero, a null: valid or not, each is kept as text (or null)
        for (String other : Arrays.asList("10.0.0.1/8", "010.0.0.0/8", null, "nope")) {
            List<String> texts = Arrays.asList("10.0.0.0/8", other);
            CompactCidrList list = CompactCidrList.of(texts);

            assertThat(list.allPacked()).as(String.valueOf(other)).isFalse();
            assertThat(list.ipv4Count() + list.ipv6Count()).isEqualTo(1);
        }
    }

    @Test
    void longTextsKeepTheirNeighboursInPlace() {
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            texts.add(i % 3 == 0 ? "x".repeat(100 + 97 * i) : "10.0.0." + i);
        }
        assertThat(CompactCidrList.of(texts)).containsExactlyElementsOf(texts);
    }

    /** The texts ipaddr calls canonical (RFC 5952 for IPv6) come back exactly, at the cost of their bits. */
    @Test
    void randomCanonicalTextsComeBackExactlyAndCostTheirBits() {
        long seed = new Random().nextLong();
        Random random = new Random(seed);
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            texts.add(random.nextInt(50) == 0 ? null : randomCanonical(random));
        }
        CompactCidrList list = CompactCidrList.of(texts);

        assertThat(list).as("seed %d", seed).containsExactlyElementsOf(texts);
        assertThat(CompactCidrList.of(List.of("2001:db8:1:2:3:4:5:6/128")).packedBytes()).isEqualTo(17);
        assertThat(CompactCidrList.of(List.of("192.0.2.0/24")).packedBytes()).isEqualTo(5);
        int packed = texts.stream().mapToInt(t -> t == null ? 1 : t.indexOf(':') >= 0 ? 17 : 5).sum();
        assertThat(list.packedBytes()).as("every text packed, seed %d", seed).isEqualTo(packed);
    }

    @Test
    void listsOfTheSameTextsAreEqualWhateverTheirClassAndOthersAreNot() {
        List<String> texts = List.of("10.0.0.0/8", "2001:db8::/32", "192.0.2.7", "not a cidr");
        CompactCidrList packed = CompactCidrList.of(texts);

        assertThat(CompactCidrList.of(new ArrayList<>(texts))).isEqualTo(packed).hasSameHashCodeAs(packed);
        assertThat(packed).isEqualTo(texts).hasSameHashCodeAs(texts);
        assertThat(new ArrayList<>(texts)).isEqualTo(packed);
        // the same addresses in other notations, or in another order, are other lists
        assertThat(packed).isNotEqualTo(CompactCidrList.of(List.of("010.0.0.0/8", "2001:db8::/32", "192.0.2.7", "not a cidr")))
                .isNotEqualTo(CompactCidrList.of(List.of("2001:db8::/32", "10.0.0.0/8", "192.0.2.7", "not a cidr")))
                .isNotEqualTo(CompactCidrList.of(texts.subList(0, 3)));
    }

    private static String randomCanonical(Random random) {
        IPAddress address;
        if (random.nextBoolean()) {
            address = new IPv4Address(random.nextInt());
        } else {
            byte[] bytes = new byte[16];
            random.nextBytes(bytes);
            for (int b = 0; b < 16; b += 2) {
                if (random.nextInt(3) == 0) {
                    bytes[b] = 0;
                    bytes[b + 1] = 0;
                }
            }
            address = new IPv6Address(bytes);
        }
        int length = random.nextInt(address.getBitCount() + 1);
        return random.nextBoolean() ? address.toCanonicalString()
                : address.toPrefixBlock(length).getLower().setPrefixLength(length, false).toCanonicalString();
    }
}
