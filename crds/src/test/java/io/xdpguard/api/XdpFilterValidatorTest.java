package io.xdpguard.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.utils.Serialization;
import io.xdpguard.api.v1alpha1.XdpCidrSet;
import io.xdpguard.api.v1alpha1.XdpFilter;
import io.xdpguard.api.validation.ValidationResult;
import io.xdpguard.api.validation.Violation;
import io.xdpguard.api.validation.XdpFilterValidator;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/** The shared validator names the exact field and says what is wrong, for every kind of mistake. */
class XdpFilterValidatorTest {

    private static final String HEAD = """
            apiVersion: xdpguard.io/v1alpha1
            kind: XdpFilter
            metadata:
              name: f
            """;

    /** A filter whose spec is the given YAML (indented under spec:). */
    private static XdpFilter filter(String spec) {
        return Serialization.unmarshal(HEAD + "spec:\n" + spec.stripIndent().indent(2), XdpFilter.class);
    }

    /** A filter on eth* with one rule given as YAML mapping lines. */
    private static XdpFilter rule(String ruleYaml) {
        String body = "interfaces:\n  include: [\"eth*\"]\nrules:\n  - " + ruleYaml.stripIndent().strip().replace("\n", "\n    ") + "\n";
        return filter(body);
    }

    static Stream<Arguments> invalidFilters() {
        return Stream.of(
                Arguments.of("no spec", Serialization.unmarshal(HEAD, XdpFilter.class),
                        "spec: a spec is required"),
                Arguments.of("no interfaces", filter("rules: []\n"),
                        "spec.interfaces: required: name the interfaces to filter"),
                Arguments.of("empty include", filter("interfaces:\n  include: []\n"),
                        "spec.interfaces.include: at least one interface name or glob is required"),
                Arguments.of("interface name too long", filter("interfaces:\n  include: [\"averyveryverylongname\"]\n"),
                        "spec.interfaces.include[0]: \"averyveryverylongname\" is not an interface name or glob"),
                Arguments.of("interface name with slash", filter("interfaces:\n  include: [\"eth0/1\"]\n"),
                        "spec.interfaces.include[0]: \"eth0/1\" is not an interface name or glob"),
                Arguments.of("exclude with space", filter("interfaces:\n  include: [\"eth*\"]\n  exclude: [\"eth 1\"]\n"),
                        "spec.interfaces.exclude[0]: \"eth 1\" is not an interface name or glob"),
                Arguments.of("unclosed bracket glob", filter("interfaces:\n  include: [\"eth[01\"]\n"),
                        "spec.interfaces.include[0]: \"eth[01\" has an unclosed [ in its glob"),
                Arguments.of("priority too high", filter("interfaces:\n  include: [\"eth0\"]\npriority: 1001\n"),
                        "spec.priority: 1001 is out of range (0-1000)"),
                Arguments.of("priority negative", filter("interfaces:\n  include: [\"eth0\"]\npriority: -1\n"),
                        "spec.priority: -1 is out of range (0-1000)"),
                Arguments.of("selector bad operator", filter("""
                        nodeSelector:
                          matchExpressions:
                            - key: zone
                              operator: Equals
                              values: [a]
                        interfaces:
                          include: ["eth0"]
                        """),
                        "spec.nodeSelector.matchExpressions[0].operator: \"Equals\" is not one of In, NotIn, Exists, DoesNotExist"),
                Arguments.of("selector In without values", filter("""
                        nodeSelector:
                          matchExpressions:
                            - key: zone
                              operator: In
                        interfaces:
                          include: ["eth0"]
                        """),
                        "spec.nodeSelector.matchExpressions[0].values: operator In needs at least one value"),
                Arguments.of("selector Exists with values", filter("""
                        nodeSelector:
                          matchExpressions:
                            - key: zone
                              operator: Exists
                              values: [a]
                        interfaces:
                          include: ["eth0"]
                        """),
                        "spec.nodeSelector.matchExpressions[0].values: operator Exists takes no values"),
                Arguments.of("selector on the agent label", filter("""
                        nodeSelector:
                          matchExpressions:
                            - key: xdpguard.io/agent
                              operator: DoesNotExist
                        interfaces:
                          include: ["eth0"]
                        """),
                        "spec.nodeSelector.matchExpressions[0].key: \"xdpguard.io/agent\" is the label the operator sets on "
                                + "the nodes that run the agent; select nodes by labels of your own"),
                Arguments.of("selector bad label key", filter("""
                        nodeSelector:
                          matchLabels:
                            "bad key!": "x"
                        interfaces:
                          include: ["eth0"]
                        """),
                        "spec.nodeSelector.matchLabels[bad key!]: \"bad key!\" is not a valid label key"),
                Arguments.of("selector bad label value", filter("""
                        nodeSelector:
                          matchLabels:
                            zone: "a b"
                        interfaces:
                          include: ["eth0"]
                        """),
                        "spec.nodeSelector.matchLabels[zone]: \"a b\" is not a valid label value"),
                Arguments.of("rule without name", rule("action: Drop"),
                        "spec.rules[0].name: a name is required"),
                Arguments.of("rule name upper case", rule("name: Block\naction: Drop"),
                        "spec.rules[0].name: \"Block\" is not a DNS label"),
                Arguments.of("rule name too long", rule("name: " + "a".repeat(64) + "\naction: Drop"),
                        "spec.rules[0].name: \"" + "a".repeat(64) + "\" is not a DNS label"),
                Arguments.of("rule name trailing dash", rule("name: block-\naction: Drop"),
                        "spec.rules[0].name: \"block-\" is not a DNS label"),
                Arguments.of("duplicate rule names", filter("""
                        interfaces:
                          include: ["eth0"]
                        rules:
                          - name: a
                            action: Drop
                          - name: a
                            action: Pass
                        """),
                        "spec.rules[1].name: \"a\" is used by an earlier rule; rule names must be unique"),
                Arguments.of("rule without action", rule("name: r"),
                        "spec.rules[0].action: required: Pass, Drop or RateLimit"),
                Arguments.of("RateLimit without rateLimit", rule("name: r\naction: RateLimit"),
                        "spec.rules[0].rateLimit: required when action is RateLimit"),
                Arguments.of("rateLimit on Drop", rule("name: r\naction: Drop\nrateLimit: {packetsPerSecond: 1, burst: 1}"),
                        "spec.rules[0].rateLimit: allowed only when action is RateLimit, not Drop"),
                Arguments.of("rate zero", rule("name: r\naction: RateLimit\nrateLimit: {packetsPerSecond: 0, burst: 1}"),
                        "spec.rules[0].rateLimit.packetsPerSecond: 0 is out of range (1-100000000)"),
                Arguments.of("burst missing", rule("name: r\naction: RateLimit\nrateLimit: {packetsPerSecond: 10}"),
                        "spec.rules[0].rateLimit.burst: required (1-100000000)"),
                Arguments.of("burst too big", rule("name: r\naction: RateLimit\nrateLimit: {packetsPerSecond: 10, burst: 100000001}"),
                        "spec.rules[0].rateLimit.burst: 100000001 is out of range (1-100000000)"),
                Arguments.of("source not an address", rule("name: r\naction: Drop\nsources: [\"10.0.0.300\"]"),
                        "spec.rules[0].sources[0]: \"10.0.0.300\" is not an IPv4/IPv6 address or CIDR"),
                Arguments.of("source with host bits", rule("name: r\naction: Drop\nsources: [\"10.1.2.3/8\"]"),
                        "spec.rules[0].sources[0]: \"10.1.2.3/8\" has host bits set; did you mean \"10.0.0.0/8\"?"),
                Arguments.of("source prefix too long", rule("name: r\naction: Drop\nsources: [\"10.0.0.0/33\"]"),
                        "spec.rules[0].sources[0]: \"10.0.0.0/33\" is not an IPv4/IPv6 address or CIDR"),
                Arguments.of("source hostname", rule("name: r\naction: Drop\nsources: [\"example.com\"]"),
                        "spec.rules[0].sources[0]: \"example.com\" is not an IPv4/IPv6 address or CIDR"),
                Arguments.of("source empty string", rule("name: r\naction: Drop\nsources: [\"\"]"),
                        "spec.rules[0].sources[0]: an address or CIDR is required"),
                Arguments.of("destination v6 host bits", rule("name: r\naction: Drop\ndestinations: [\"2001:db8::1/32\"]"),
                        "spec.rules[0].destinations[0]: \"2001:db8::1/32\" has host bits set; did you mean \"2001:db8::/32\"?"),
                Arguments.of("source set bad name", rule("name: r\naction: Drop\nsourceSets: [\"Bad_Name\"]"),
                        "spec.rules[0].sourceSets[0]: \"Bad_Name\" is not an XdpCidrSet name"),
                Arguments.of("rule name leading dash", rule("name: -block\naction: Drop"),
                        "spec.rules[0].name: \"-block\" is not a DNS label"),
                Arguments.of("rule name with a dot", rule("name: a.b\naction: Drop"),
                        "spec.rules[0].name: \"a.b\" is not a DNS label"),
                Arguments.of("source set empty label", rule("name: r\naction: Drop\nsourceSets: [\"a..b\"]"),
                        "spec.rules[0].sourceSets[0]: \"a..b\" is not an XdpCidrSet name"),
                Arguments.of("source set trailing dot", rule("name: r\naction: Drop\nsourceSets: [\"a.b.\"]"),
                        "spec.rules[0].sourceSets[0]: \"a.b.\" is not an XdpCidrSet name"),
                Arguments.of("source set label ending in a dash", rule("name: r\naction: Drop\nsourceSets: [\"a-.b\"]"),
                        "spec.rules[0].sourceSets[0]: \"a-.b\" is not an XdpCidrSet name"),
                Arguments.of("ports without protocol", rule("name: r\naction: Drop\nports: [\"80\"]"),
                        "spec.rules[0].ports: ports need protocol TCP, UDP or SCTP, not Any"),
                Arguments.of("ports with ICMP", rule("name: r\naction: Drop\nprotocol: ICMP\nports: [\"80\"]"),
                        "spec.rules[0].ports: ports need protocol TCP, UDP or SCTP, not ICMP"),
                Arguments.of("port too large", rule("name: r\naction: Drop\nprotocol: TCP\nports: [\"443\", \"70000\"]"),
                        "spec.rules[0].ports[1]: \"70000\" is not a port (1-65535)"),
                Arguments.of("port zero", rule("name: r\naction: Drop\nprotocol: TCP\nports: [\"0\"]"),
                        "spec.rules[0].ports[0]: \"0\" is not a port (1-65535)"),
                Arguments.of("port not a number", rule("name: r\naction: Drop\nprotocol: UDP\nports: [\"dns\"]"),
                        "spec.rules[0].ports[0]: \"dns\" is not a port (1-65535) or a range like 8000-8080"),
                Arguments.of("port range reversed", rule("name: r\naction: Drop\nprotocol: TCP\nports: [\"8080-8000\"]"),
                        "spec.rules[0].ports[0]: \"8080-8000\" is an empty range (low > high)"),
                Arguments.of("port range open", rule("name: r\naction: Drop\nprotocol: TCP\nports: [\"8000-\"]"),
                        "spec.rules[0].ports[0]: \"8000-\" is not a port (1-65535) or a range like 8000-8080"),
                Arguments.of("source port without protocol", rule("name: r\naction: Drop\nsourcePorts: [\"53\"]"),
                        "spec.rules[0].sourcePorts: ports need protocol TCP, UDP or SCTP, not Any"),
                Arguments.of("source port range end too large", rule("name: r\naction: Drop\nprotocol: SCTP\nsourcePorts: [\"1-65536\"]"),
                        "spec.rules[0].sourcePorts[0]: \"1-65536\" is not a port (1-65535)"),
                Arguments.of("icmp types with TCP", rule("name: r\naction: Drop\nprotocol: TCP\nicmpTypes: [8]"),
                        "spec.rules[0].icmpTypes: ICMP types need protocol ICMP or ICMPv6, not TCP"),
                Arguments.of("icmp type too large", rule("name: r\naction: Drop\nprotocol: ICMP\nicmpTypes: [256]"),
                        "spec.rules[0].icmpTypes[0]: 256 is not an ICMP type (0-255)"),
                Arguments.of("ICMP with IPv6 sources", rule("name: r\naction: Drop\nprotocol: ICMP\nsources: [\"2001:db8::/32\"]"),
                        "spec.rules[0].sources: only IPv6 addresses, but protocol ICMP is IPv4-only (use ICMPv6)"),
                Arguments.of("ICMPv6 with IPv4 destinations", rule("name: r\naction: Drop\nprotocol: ICMPv6\ndestinations: [\"10.0.0.1\"]"),
                        "spec.rules[0].destinations: only IPv4 addresses, but protocol ICMPv6 is IPv6-only (use ICMP)"),
                Arguments.of("families never meet", rule("name: r\naction: Drop\nsources: [\"10.0.0.0/8\"]\ndestinations: [\"2001:db8::1\"]"),
                        "spec.rules[0].destinations: no address family in common with sources: the rule can never match"),
                Arguments.of("sample rate negative", rule("name: r\naction: Drop\nsampleRate: -1"),
                        "spec.rules[0].sampleRate: -1 is out of range (0-1000000)"),
                Arguments.of("sample rate too high", rule("name: r\naction: Drop\nsampleRate: 1000001"),
                        "spec.rules[0].sampleRate: 1000001 is out of range (0-1000000)"),
                Arguments.of("null rule", filter("interfaces:\n  include: [\"eth0\"]\nrules:\n  - null\n"),
                        "spec.rules[0]: a rule is required, not null"),
                Arguments.of("bad metadata name", Serialization.unmarshal(HEAD.replace("name: f", "name: Not_Valid")
                        + "spec:\n  interfaces:\n    include: [eth0]\n", XdpFilter.class),
                        "metadata.name: \"Not_Valid\" is not a DNS subdomain name"),
                Arguments.of("the failsafe rules' filter name", Serialization.unmarshal(HEAD.replace("name: f", "name: failsafe")
                        + "spec:\n  interfaces:\n    include: [eth0]\n", XdpFilter.class),
                        "metadata.name: \"failsafe\" is reserved for the agent's failsafe rules"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidFilters")
    void rejectsWithTheExactField(String description, XdpFilter filter, String expected) {
        ValidationResult result = XdpFilterValidator.validate(filter);

        assertThat(result.valid()).as(description).isFalse();
        assertThat(result.violations()).extracting(Violation::toString).anySatisfy(v -> assertThat(v).startsWith(expected));
    }

    @Test
    void tableCoversAtLeastFortyMistakes() {
        assertThat(invalidFilters().count()).isGreaterThanOrEqualTo(40);
    }

    @Test
    void tooManyRulesIsOneViolationNamingTheLimit() {
        StringBuilder spec = new StringBuilder("interfaces:\n  include: [eth0]\nrules:\n");
        for (int i = 0; i < 1025; i++) {
            spec.append("  - name: r").append(i).append("\n    action: Drop\n");
        }
        ValidationResult result = XdpFilterValidator.validate(filter(spec.toString()));

        assertThat(result.violations()).extracting(Violation::toString)
                .containsExactly("spec.rules: has 1025 rules, at most 1024 are allowed");
    }

    @Test
    void acceptsAFullyFeaturedFilter() {
        XdpFilter filter = filter("""
                nodeSelector:
                  matchLabels:
                    node-role.kubernetes.io/edge: ""
                  matchExpressions:
                    - key: topology.kubernetes.io/zone
                      operator: NotIn
                      values: [zone-a]
                interfaces:
                  include: ["eth*", "ens[0-9]"]
                  exclude: ["eth9"]
                mode: Native
                priority: 0
                enforcement: Audit
                defaultAction: Drop
                rules:
                  - name: dns
                    action: RateLimit
                    protocol: UDP
                    ports: ["53"]
                    sourcePorts: ["1024-65535"]
                    sources: ["10.0.0.0/8", "2001:db8::/32", "192.0.2.1"]
                    rateLimit: {packetsPerSecond: 100, burst: 200, per: Source}
                    sampleRate: 10
                  - name: ping
                    action: Pass
                    protocol: ICMPv6
                    icmpTypes: [128]
                    destinations: ["2001:db8::1"]
                  - name: feed
                    action: Drop
                    sourceSets: [feed-1, feeds.example-2.org, 3d]
                """);

        assertThat(XdpFilterValidator.validate(filter).violations()).isEmpty();
    }

    @Test
    void summaryShowsTheFirstViolationsAndCountsTheRest() {
        XdpFilter filter = rule("name: r\naction: Drop\nprotocol: TCP\nports: [\"0\", \"70000\", \"x\", \"9-1\", \"65536\"]");

        assertThat(XdpFilterValidator.validate(filter).summary()).isEqualTo(
                "spec.rules[0].ports[0]: \"0\" is not a port (1-65535); spec.rules[0].ports[1]: \"70000\" is not a port (1-65535); "
                        + "spec.rules[0].ports[2]: \"x\" is not a port (1-65535) or a range like 8000-8080; and 2 more");
    }

    @Test
    void cidrSetEntriesAreCheckedOneByOne() {
        XdpCidrSet set = Serialization.unmarshal("""
                apiVersion: xdpguard.io/v1alpha1
                kind: XdpCidrSet
                metadata:
                  name: s
                spec:
                  cidrs: ["10.0.0.0/8", "10.0.0.1/8", "nope", "2001:db8::/129"]
                """, XdpCidrSet.class);

        assertThat(XdpFilterValidator.validate(set).violations()).extracting(Violation::toString).containsExactly(
                "spec.cidrs[1]: \"10.0.0.1/8\" has host bits set; did you mean \"10.0.0.0/8\"?",
                "spec.cidrs[2]: \"nope\" is not an IPv4/IPv6 address or CIDR",
                "spec.cidrs[3]: \"2001:db8::/129\" is not an IPv4/IPv6 address or CIDR");
    }
}
