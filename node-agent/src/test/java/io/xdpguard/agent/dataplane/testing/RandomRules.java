package io.xdpguard.agent.dataplane.testing;

import inet.ipaddr.IPAddress;
import inet.ipaddr.IPAddressNetwork;
import inet.ipaddr.IPAddressString;
import io.xdpguard.agent.dataplane.rules.AddressMatch;
import io.xdpguard.agent.dataplane.rules.DefaultVerdict;
import io.xdpguard.agent.dataplane.rules.MatchRule;
import io.xdpguard.agent.dataplane.rules.RuleSet;
import io.xdpguard.api.v1alpha1.spec.Protocol;
import io.xdpguard.api.v1alpha1.spec.RuleAction;
import io.xdpguard.api.validation.Ports;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Random rule sets drawn around a small pool of addresses and ports, so that random packets drawn from the same pools
 * hit rules, nested prefixes and range edges often.
 */
public final class RandomRules {
    public static final List<String> ADDRESS_POOL = List.of(
            "10.0.0.1", "10.0.0.2", "10.0.1.7", "10.1.2.3", "192.168.1.1", "192.168.1.200", "172.16.5.4", "203.0.113.9",
            "2001:db8::1", "2001:db8::2", "2001:db8:0:1::7", "2001:db8:1::3", "fd00::1", "fd00::ff", "fe80::1", "::1");
    public static final int[] PORT_POOL = {1, 22, 53, 80, 443, 1024, 8000, 8079, 8080, 8081, 32768, 65535};
    public static final int[] ICMP_TYPE_POOL = {0, 3, 8, 11, 128, 129, 133, 135, 136};

    /**
     * Rate limits in random rule sets never run dry, so verdicts do not depend on timing; RateLimitTest covers
     * the token bucket itself.
     */
    public static final long SATURATED_BURST = 100_000_000L;

    private static final Protocol[] PROTOCOLS = Protocol.values();
    private static final IPAddressNetwork.IPAddressGenerator ADDRESSES = new IPAddressNetwork.IPAddressGenerator();
    /** Drawn per /32 and rule set; /48s twice as often: only they make an address meet a /32's miss. */
    private static final Ipv6Inside[] IPV6_INSIDE = {Ipv6Inside.HOSTS, Ipv6Inside.NOTHING, Ipv6Inside.MIDDLE,
        Ipv6Inside.SLASH48, Ipv6Inside.SLASH48, Ipv6Inside.ANY};
    private final Random random;
    /**
     * Per /16 (top 16 bits) of an IPv4 pool address, the longest prefix below /32 that rules name around it in the
     * current rule set: 16, 24 or 31. Redrawn per rule set, so that the classifier's IPv4 direct tables meet every
     * kind of /16 and /24 across changes: final (no longer prefix inside), final with hosts inside, deeper.
     */
    private final Map<Integer, Integer> maxLength = new HashMap<>();
    /**
     * Per /32 (top 32 bits) of an IPv6 pool address, what rules name inside it in the current rule set, so that the
     * IPv6 stage meets every kind of answer across changes. Redrawn per rule set, as {@link #maxLength}.
     */
    private final Map<Integer, Ipv6Inside> inside6 = new HashMap<>();
    /** Whether the current rule set may name IPv6 prefixes of 1..31 bits (then a /32 without an entry is the trie's). */
    private boolean shortIpv6;
    /** Whether the current rule set's rules constrain every dimension: see {@link #narrowRuleSet}. */
    private boolean narrow;

    public RandomRules(Random random) {
        this.random = random;
    }

    /** Addresses of the pool, for packet generators that should hit the rules. */
    public static List<java.net.InetAddress> addressPool() {
        return ADDRESS_POOL.stream().map(a -> new IPAddressString(a).getAddress().toInetAddress()).toList();
    }

    public RuleSet ruleSet(int maxRules) {
        narrow = false;
        return draw(maxRules);
    }

    /**
     * Up to {@code maxRules} rules that each name a protocol, destination ports or ICMP types and sources, so that a
     * random packet matches about one rule in a hundred or two: its first match lies in a later 64-rule word, after
     * words where every dimension's vector holds rules but no rule is in all of them (the classifier's search must
     * go past them, dense vectors and sparse ones).
     */
    public RuleSet narrowRuleSet(int maxRules) {
        narrow = true;
        return draw(maxRules);
    }

    private RuleSet draw(int maxRules) {
        maxLength.clear();
        inside6.clear();
        for (String address : ADDRESS_POOL) {
            byte[] bytes = new IPAddressString(address).getAddress().getBytes();
            if (bytes.length == 4) {
                maxLength.put(top16(bytes), new int[] {16, 24, 31}[random.nextInt(3)]);
            } else {
                inside6.put(top32(bytes), IPV6_INSIDE[random.nextInt(IPV6_INSIDE.length)]);
            }
        }
        shortIpv6 = random.nextBoolean();
        int count = 1 + random.nextInt(maxRules);
        List<MatchRule> rules = new ArrayList<>(count);
        int filters = 1 + random.nextInt(3);
        boolean[] audit = new boolean[filters];
        for (int f = 0; f < filters; f++) {
            audit[f] = random.nextInt(4) == 0;
        }
        for (int i = 0; i < count; i++) {
            int filter = Math.min(filters - 1, i * filters / count);
            rules.add(rule("f" + filter, "r" + i, audit[filter], i < 2 && random.nextInt(4) == 0));
        }
        DefaultVerdict[] verdicts = DefaultVerdict.values();
        return new RuleSet(rules, verdicts[random.nextInt(verdicts.length)]);
    }

    private MatchRule rule(String filter, String name, boolean audit, boolean failsafe) {
        Protocol protocol;
        do {
            protocol = PROTOCOLS[random.nextInt(PROTOCOLS.length)];
        } while (narrow && protocol == Protocol.Any);
        RuleAction action = failsafe ? RuleAction.Pass : RuleAction.values()[random.nextInt(3)];
        List<Ports.Range> ports = protocol.hasPorts() && (narrow || random.nextBoolean()) ? ranges() : List.of();
        List<Ports.Range> sourcePorts = protocol.hasPorts() && random.nextInt(4) == 0 ? ranges() : List.of();
        Set<Integer> types = new HashSet<>();
        if (protocol.hasIcmpTypes() && (narrow || random.nextBoolean())) {
            for (int i = 0, n = 1 + random.nextInt(3); i < n; i++) {
                types.add(ICMP_TYPE_POOL[random.nextInt(ICMP_TYPE_POOL.length)]);
            }
        }
        boolean rateLimit = action == RuleAction.RateLimit;
        return new MatchRule(failsafe ? "failsafe" : filter, name, action, audit && !failsafe, failsafe,
                addresses(!narrow && random.nextInt(2) == 0), addresses(random.nextInt(10) < 7), protocol, ports, sourcePorts, types,
                rateLimit ? 1 : 0, rateLimit ? SATURATED_BURST : 0,
                rateLimit && random.nextBoolean(), random.nextInt(5) == 0 ? 1 + random.nextInt(3) : 0);
    }

    private AddressMatch addresses(boolean any) {
        if (any) {
            return AddressMatch.ANY;
        }
        if (random.nextInt(30) == 0) {
            return AddressMatch.of(List.of());
        }
        List<IPAddress> prefixes = new ArrayList<>();
        for (int i = 0, n = 1 + random.nextInt(3); i < n; i++) {
            prefixes.add(prefixAround(ADDRESS_POOL.get(random.nextInt(ADDRESS_POOL.size()))));
        }
        return AddressMatch.of(prefixes);
    }

    private IPAddress prefixAround(String address) {
        IPAddress host = new IPAddressString(address).getAddress();
        int bits = host.getBitCount();
        int length = switch (random.nextInt(4)) {
            case 0 -> bits;
            case 1 -> random.nextInt(bits + 1);
            default -> bits - random.nextInt(Math.min(bits, 24) + 1);
        };
        if (bits == 32 && length < 32) {
            int max = maxLength.get(top16(host.getBytes()));
            if (length > max) {
                length = random.nextBoolean() ? 32 : random.nextInt(max + 1);
            }
        }
        if (bits == 128) {
            Ipv6Inside inside = inside6.get(top32(host.getBytes()));
            length = ipv6Length(inside, length);
            if (length == 48 && random.nextInt(4) != 0) {
                // a /48 beside the pool address's, which then lies in a /48 of its /32 without an entry
                byte[] beside = host.getBytes();
                int bit = 32 + random.nextInt(16);
                beside[bit / 8] ^= (byte) (0x80 >>> (bit % 8));
                host = ADDRESSES.from(beside);
            }
        }
        return host.toPrefixBlock(length);
    }

    /** What rules name inside the /32 of an IPv6 pool address besides prefixes of at most 32 bits. */
    private enum Ipv6Inside {
        /** hosts: the /32 answers, the host hash for hosts */
        HOSTS,
        /** nothing: a /32 prefix answers */
        NOTHING,
        /** hosts, prefixes of 33..47 bits: the /48s of hosts answer, the other /48s go to the trie */
        MIDDLE,
        /** hosts and /48s: these answer, the other /48s take the /32's answer */
        SLASH48,
        /** anything: mostly the trie */
        ANY
    }

    /** {@code length}, or a length the current rule set allows inside a /32. */
    private int ipv6Length(Ipv6Inside inside, int length) {
        if (length > 0 && length < 32 && !shortIpv6) {
            return random.nextBoolean() ? 0 : 32;
        }
        if (length <= 32) {
            return length;
        }
        return switch (inside) {
            case HOSTS -> length == 128 || random.nextBoolean() ? 128 : 32;
            case NOTHING -> 32;
            case MIDDLE -> length < 48 || length == 128 ? length : random.nextBoolean() ? 128 : 33 + random.nextInt(15);
            case SLASH48 -> length == 128 ? 128 : 48;
            case ANY -> length;
        };
    }

    /** The top 32 bits of an IPv6 address: its /32, the IPv6 stage's first key. */
    private static int top32(byte[] ipv6) {
        return java.nio.ByteBuffer.wrap(ipv6).getInt();
    }

    /** The top 16 bits of an IPv4 address: its entry in the classifier's /16 table. */
    public static int top16(byte[] ipv4) {
        return (ipv4[0] & 0xff) << 8 | ipv4[1] & 0xff;
    }

    private List<Ports.Range> ranges() {
        List<Ports.Range> out = new ArrayList<>();
        for (int i = 0, n = 1 + random.nextInt(3); i < n; i++) {
            int low = PORT_POOL[random.nextInt(PORT_POOL.length)];
            int high = random.nextInt(3) == 0 ? Math.min(65535, low + random.nextInt(200)) : low;
            out.add(new Ports.Range(low, high));
        }
        return out;
    }
}
