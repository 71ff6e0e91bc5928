package io.xdpguard.agent.dataplane.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import io.xdpguard.agent.dataplane.Reason;
import io.xdpguard.agent.dataplane.libbpf.XdpAction;
import io.xdpguard.agent.dataplane.packet.Ipv6ExtensionHeader;
import io.xdpguard.agent.dataplane.packet.PacketBuilder;
import io.xdpguard.agent.dataplane.packet.PacketParser;
import io.xdpguard.agent.dataplane.reference.Classification;
import io.xdpguard.agent.dataplane.reference.RateLimitDecider;
import io.xdpguard.agent.dataplane.reference.ReferenceMatcher;
import io.xdpguard.agent.dataplane.rules.FailsafeConfig;
import io.xdpguard.agent.dataplane.rules.RuleMerger;
import io.xdpguard.agent.dataplane.rules.RuleSet;
import io.xdpguard.agent.dataplane.testing.Filters;
import io.xdpguard.agent.dataplane.testing.RequiresBpf;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Crafted packets for every parsing edge, each with the verdict and rule a user should expect, checked against the
 * real kernel program and the reference matcher alike (katran-style fixtures).
 */
@ExtendWith(RequiresBpf.class)
class PacketCorpusTest {
    private static final int ETH = 14;
    private static Classifier classifier;
    private static RuleSet ruleSet;

    @BeforeAll
    static void load() throws Exception {
        RequiresBpf.require();
        ruleSet = RuleMerger.merge(List.of(Filters.filter("corpus", """
                interfaces: {include: [eth0]}
                priority: 100
                defaultAction: Drop
                rules:
                  - {name: https, action: Pass, protocol: TCP, ports: ["443"]}
                  - {name: dns-from-ten, action: Drop, protocol: UDP, ports: ["53"], sources: [10.0.0.0/8]}
                  - {name: icmp-echo, action: Pass, protocol: ICMP, icmpTypes: [8]}
                  - {name: icmpv6-echo, action: Pass, protocol: ICMPv6, icmpTypes: [128]}
                  - {name: udp-any, action: RateLimit, protocol: UDP, rateLimit: {packetsPerSecond: 1, burst: 100000000}}
                  - {name: v6-net, action: Pass, sources: ["2001:db8::/32"]}
                  - {name: v4-host, action: Pass, sources: [198.51.100.7]}
                  - {name: v4-mapped-v6-host, action: Pass, sources: ["::ffff:203.0.113.9"]}
                """), Filters.filter("audit", """
                interfaces: {include: [eth0]}
                priority: 200
                enforcement: Audit
                rules:
                  - {name: audit-sctp, action: Drop, protocol: SCTP}
                """)), Map.of(), FailsafeConfig.defaults());
        classifier = Classifier.load(null);
        classifier.apply(ruleSet);
    }

    @AfterAll
    static void close() {
        if (classifier != null) {
            classifier.close();
        }
    }

    static Stream<Arguments> corpus() {
        return Stream.of(
                row("TCP to 443", tcp4("192.0.2.1", 443), Reason.RULE_PASS, "corpus/https"),
                row("TCP to 22: failsafe before every filter", tcp4("192.0.2.1", 22), Reason.FAILSAFE_PASS, "failsafe/tcp-ports"),
                row("TCP to 80: default Drop", tcp4("192.0.2.1", 80), Reason.DEFAULT_DROP, null),
                row("UDP 53 from 10/8", udp4("10.1.1.1", 53), Reason.RULE_DROP, "corpus/dns-from-ten"),
                row("UDP 53 from elsewhere: next rule", udp4("192.0.2.1", 53), Reason.RATE_LIMIT_PASS, "corpus/udp-any"),
                row("UDP 68: DHCP failsafe", udp4("192.0.2.1", 68), Reason.FAILSAFE_PASS, "failsafe/udp-ports"),
                row("802.1Q tag", udp4("10.1.1.1", 53).vlan(10), Reason.RULE_DROP, "corpus/dns-from-ten"),
                row("802.1ad + 802.1Q tags", udp4("10.1.1.1", 53).vlan(0x88a8, 100).vlan(10), Reason.RULE_DROP,
                        "corpus/dns-from-ten"),
                row("three VLAN tags: malformed, passed", udp4("10.1.1.1", 53).vlan(1).vlan(2).vlan(3), Reason.MALFORMED, null),
                row("ARP always passes", PacketBuilder.ethernet().arp("192.0.2.1", "192.0.2.2"), Reason.NON_IP, null),
                row("LLDP always passes", PacketBuilder.ethernet().lldp(), Reason.NON_IP, null),
                row("IPv4 options are skipped", tcp4("192.0.2.1", 443).ipv4Options(new byte[] {1, 1, 1, 0}), Reason.RULE_PASS,
                        "corpus/https"),
                row("truncated IPv4 header", udp4("10.1.1.1", 53).truncate(ETH + 10), Reason.MALFORMED, null),
                row("truncated UDP ports", udp4("10.1.1.1", 53).truncate(ETH + 20 + 3), Reason.MALFORMED, null),
                row("first fragment has ports", udp4("10.1.1.1", 53).fragment(0, true), Reason.RULE_DROP, "corpus/dns-from-ten"),
                row("later fragment matches only port-less rules", udp4("10.1.1.1", 53).fragment(100, false),
                        Reason.RATE_LIMIT_PASS, "corpus/udp-any"),
                row("later TCP fragment: no port rule matches", tcp4("192.0.2.1", 443).fragment(100, true),
                        Reason.DEFAULT_DROP, null),
                row("ICMP echo request", PacketBuilder.icmp4(8), Reason.RULE_PASS, "corpus/icmp-echo"),
                row("ICMP timestamp: default Drop", PacketBuilder.icmp4(13), Reason.DEFAULT_DROP, null),
                row("ICMPv6 echo request", PacketBuilder.icmp6(128), Reason.RULE_PASS, "corpus/icmpv6-echo"),
                row("ICMPv6 neighbour solicitation: failsafe", PacketBuilder.icmp6(135).ipv6("fd00::1", "fd00::2"),
                        Reason.FAILSAFE_PASS, "failsafe/icmpv6-neighbour-discovery"),
                row("IPv6 extension headers are walked", udp6("2001:db8::1", 53)
                        .extensionHeader(Ipv6ExtensionHeader.hopByHop()).extensionHeader(Ipv6ExtensionHeader.routing()),
                        Reason.RATE_LIMIT_PASS, "corpus/udp-any"),
                row("seven IPv6 extension headers: classified without ports", sevenExtensionHeaders("2001:db8::1"),
                        Reason.RULE_PASS, "corpus/v6-net"),
                row("seven IPv6 extension headers from elsewhere: default Drop", sevenExtensionHeaders("fd00::1"),
                        Reason.DEFAULT_DROP, null),
                row("IPv6 later fragment", tcp6("fd00::1", 443).fragment(64, false), Reason.DEFAULT_DROP, null),
                row("IPv6 source prefix", tcp6("2001:db8::5", 80), Reason.RULE_PASS, "corpus/v6-net"),
                row("IPv4 host", tcp4("198.51.100.7", 80), Reason.RULE_PASS, "corpus/v4-host"),
                row("IPv6 from ::ffff:198.51.100.7 is not the IPv4 host", tcp6("::ffff:198.51.100.7", 80),
                        Reason.DEFAULT_DROP, null),
                row("IPv6 host ::ffff:203.0.113.9", tcp6("::ffff:203.0.113.9", 80), Reason.RULE_PASS,
                        "corpus/v4-mapped-v6-host"),
                row("IPv4 203.0.113.9 is not the IPv6 host ::ffff:203.0.113.9", tcp4("203.0.113.9", 80),
                        Reason.DEFAULT_DROP, null),
                row("an audited Drop is only counted: the default decides",
                        PacketBuilder.ethernet().ipv4("192.0.2.1", "192.0.2.2").sctp(5000, 80, 1), Reason.DEFAULT_DROP, null),
                row("protocol 58 under IPv4 is not ICMPv6", PacketBuilder.ethernet().ipv4("192.0.2.1", "192.0.2.2")
                        .protocol(58), Reason.DEFAULT_DROP, null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("corpus")
    void verdictIsTheExpectedOne(String description, byte[] frame, Reason reason, String rule) {
        Classification reference = ReferenceMatcher.classify(ruleSet, PacketParser.parse(frame), RateLimitDecider.ALWAYS);
        assertThat(reference.reason()).as("reference reason").isEqualTo(reason);
        assertThat(reference.rule() < 0 ? null : ruleSet.rules().get(reference.rule()).key()).as("reference rule").isEqualTo(rule);

        ReasonCounters before = classifier.maps().reasonCounters();
        int retval = classifier.testRun(frame).retval();
        ReasonCounters after = classifier.maps().reasonCounters();

        assertThat(retval).as("kernel verdict").isEqualTo(reason.drops() ? XdpAction.DROP.code() : XdpAction.PASS.code());
        assertThat(after.packets(reason) - before.packets(reason)).as("kernel counted reason %s", reason).isEqualTo(1);
        if (rule != null) {
            int counter = classifier.currentCounterIds()[reference.rule()];
            assertThat(classifier.maps().ruleCounters(counter).packets()).as("kernel counted rule %s", rule).isPositive();
        }
    }

    private static Arguments row(String description, PacketBuilder frame, Reason reason, String rule) {
        return Arguments.of(description, frame.build(), reason, rule);
    }

    private static PacketBuilder tcp4(String source, int port) {
        return PacketBuilder.tcp4(source, 40000, "192.0.2.2", port);
    }

    private static PacketBuilder udp4(String source, int port) {
        return PacketBuilder.udp4(source, 40000, "192.0.2.2", port);
    }

    private static PacketBuilder tcp6(String source, int port) {
        return PacketBuilder.tcp6(source, 40000, "2001:db8::2", port);
    }

    private static PacketBuilder udp6(String source, int port) {
        return PacketBuilder.udp6(source, 40000, "2001:db8::2", port);
    }

    private static PacketBuilder sevenExtensionHeaders(String source) {
        PacketBuilder frame = udp6(source, 53);
        for (int i = 0; i < 7; i++) {
            frame.extensionHeader(Ipv6ExtensionHeader.destinationOptions());
        }
        return frame;
    }
}
