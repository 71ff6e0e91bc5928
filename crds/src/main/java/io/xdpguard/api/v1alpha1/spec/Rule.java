package io.xdpguard.api.v1alpha1.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.ArrayList;
import java.util.List;

/**
 * One ordered rule. A packet matches when every condition given matches (an empty list matches anything);
 * the first matching rule wins.
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
@ValidationRule(value = "self.action == 'RateLimit' ? has(self.rateLimit) : !has(self.rateLimit)",
        message = "rateLimit is required when action is RateLimit and allowed only then")
@ValidationRule(value = "!has(self.ports) || size(self.ports) == 0 || (has(self.protocol) && self.protocol in ['TCP', 'UDP', 'SCTP'])",
        message = "ports need protocol TCP, UDP or SCTP")
@ValidationRule(value = "!has(self.sourcePorts) || size(self.sourcePorts) == 0 || (has(self.protocol) && self.protocol in ['TCP', 'UDP', 'SCTP'])",
        message = "sourcePorts need protocol TCP, UDP or SCTP")
@ValidationRule(value = "!has(self.icmpTypes) || size(self.icmpTypes) == 0 || (has(self.protocol) && self.protocol in ['ICMP', 'ICMPv6'])",
        message = "icmpTypes need protocol ICMP or ICMPv6")
public class Rule {
    /** 1-65535 or a range low-high; the order of the bounds is checked by CEL and the Java validator. */
    public static final String PORT_PATTERN = "^([1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])"
            + "(-([1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5]))?$";
    static final String PORT_LIST_RULE = "self.all(p, p.matches('" + PORT_PATTERN + "') && "
            + "(!p.contains('-') || int(p.split('-')[0]) <= int(p.split('-')[1])))";

    @Required
    @Size(min = 1, max = 63)
    @Pattern("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
    @JsonPropertyDescription("DNS label, unique in the filter; names the rule in metrics, status and drop samples.")
    private String name;

    @Required
    @JsonPropertyDescription("Pass, Drop or RateLimit the packets this rule matches.")
    private RuleAction action;

    @Size(max = 4096)
    @JsonPropertyDescription("Source IPv4/IPv6 CIDRs or bare addresses; empty matches any source.")
    private List<String> sources = new ArrayList<>();

    @Size(max = 64)
    @JsonPropertyDescription("Names of XdpCidrSets whose CIDRs are added to sources.")
    private List<String> sourceSets = new ArrayList<>();

    @Size(max = 4096)
    @JsonPropertyDescription("Destination IPv4/IPv6 CIDRs or bare addresses; empty matches any destination.")
    private List<String> destinations = new ArrayList<>();

    @Default("Any")
    @JsonPropertyDescription("IP protocol: Any, TCP, UDP, SCTP, ICMP or ICMPv6.")
    private Protocol protocol;

    @Size(max = 64)
    @ValidationRule(value = PORT_LIST_RULE, message = "each port is 1-65535 or a range low-high with low <= high")
    @JsonPropertyDescription("Destination ports, \"443\" or \"8000-8080\"; only with TCP, UDP or SCTP. Empty matches any port.")
    private List<@Size(max = 11) String> ports = new ArrayList<>();

    @Size(max = 64)
    @ValidationRule(value = PORT_LIST_RULE, message = "each port is 1-65535 or a range low-high with low <= high")
    @JsonPropertyDescription("Source ports, as ports; only with TCP, UDP or SCTP.")
    private List<@Size(max = 11) String> sourcePorts = new ArrayList<>();

    @Size(max = 256)
    @ValidationRule(value = "self.all(t, t >= 0 && t <= 255)", message = "each ICMP type is 0-255")
    @JsonPropertyDescription("ICMP or ICMPv6 types (0-255); only with protocol ICMP or ICMPv6.")
    private List<Integer> icmpTypes = new ArrayList<>();

    @JsonPropertyDescription("Token bucket; required exactly when action is RateLimit.")
    private RateLimit rateLimit;

    @Min(0)
    @Max(1_000_000)
    @JsonPropertyDescription("Send 1 in N dropped (or, in Audit, would-be-dropped) packets to the drop log; 0 = none.")
    private Integer sampleRate;

    public Rule() {
    }

    public String getName() {
        return name;
    }

    public void setName(String name) {
        this.name = name;
    }

    public RuleAction getAction() {
        return action;
    }

    public void setAction(RuleAction action) {
        this.action = action;
    }

    public List<String> getSources() {
        return sources;
    }

    public void setSources(List<String> sources) {
        this.sources = sources;
    }

    public List<String> getSourceSets() {
        return sourceSets;
    }

    public void setSourceSets(List<String> sourceSets) {
        this.sourceSets = sourceSets;
    }

    public List<String> getDestinations() {
        return destinations;
    }

    public void setDestinations(List<String> destinations) {
        this.destinations = destinations;
    }

    public Protocol getProtocol() {
        return protocol;
    }

    public void setProtocol(Protocol protocol) {
        this.protocol = protocol;
    }

    /** The protocol, with the API default applied. */
    public Protocol effectiveProtocol() {
        return protocol == null ? Protocol.Any : protocol;
    }

    public List<String> getPorts() {
        return ports;
    }

    public void setPorts(List<String> ports) {
        this.ports = ports;
    }

    public List<String> getSourcePorts() {
        return sourcePorts;
    }

    public void setSourcePorts(List<String> sourcePorts) {
        this.sourcePorts = sourcePorts;
    }

    public List<Integer> getIcmpTypes() {
        return icmpTypes;
    }

    public void setIcmpTypes(List<Integer> icmpTypes) {
        this.icmpTypes = icmpTypes;
    }

    public RateLimit getRateLimit() {
        return rateLimit;
    }

    public void setRateLimit(RateLimit rateLimit) {
        this.rateLimit = rateLimit;
    }

    public Integer getSampleRate() {
        return sampleRate;
    }

    public void setSampleRate(Integer sampleRate) {
        this.sampleRate = sampleRate;
    }

    /** The sample rate, with the API default applied. */
    public int effectiveSampleRate() {
        return sampleRate == null ? 0 : sampleRate;
    }
}
