package io.xdpguard.api.v1alpha1.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.xdpguard.api.v1alpha1.Api;
import java.util.ArrayList;
import java.util.List;

/** Where a filter applies (nodes, interfaces) and what it does there (ordered rules, default action). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class XdpFilterSpec {
    @JsonPropertyDescription("Nodes this filter applies to; empty selects every node that runs the agent.")
    private LabelSelector nodeSelector;

    @Required
    @JsonPropertyDescription("Interfaces on the selected nodes, by name or glob.")
    private InterfaceSelector interfaces;

    @Default("Auto")
    @JsonPropertyDescription("Auto (native XDP, falling back to generic), Native or Generic.")
    private AttachMode mode;

    @Default("500")
    @Min(0)
    @Max(1000)
    @JsonPropertyDescription("Order among filters on the same interface: lower first, then by name.")
    private Integer priority;

    @Default("Enforce")
    @JsonPropertyDescription("Enforce, or Audit: evaluate and count everything, never drop.")
    private Enforcement enforcement;

    @Default("Pass")
    @JsonPropertyDescription("Pass or Drop packets no rule of any filter on the interface matched; one Drop wins.")
    private DefaultAction defaultAction;

    // Rule names are unique by XdpFilterValidator (status Accepted=False): as CEL the check is quadratic in the
    // rules and its estimated cost exceeds the API server's per-rule budget, which would refuse the whole CRD.
    @Size(max = Api.MAX_RULES_PER_FILTER)
    @JsonPropertyDescription("Ordered rules; the first match wins.")
    private List<Rule> rules = new ArrayList<>();

    public XdpFilterSpec() {
    }

    public LabelSelector getNodeSelector() {
        return nodeSelector;
    }

    public void setNodeSelector(LabelSelector nodeSelector) {
        this.nodeSelector = nodeSelector;
    }

    public InterfaceSelector getInterfaces() {
        return interfaces;
    }

    public void setInterfaces(InterfaceSelector interfaces) {
        this.interfaces = interfaces;
    }

    public AttachMode getMode() {
        return mode;
    }

    public void setMode(AttachMode mode) {
        this.mode = mode;
    }

    public Integer getPriority() {
        return priority;
    }

    public void setPriority(Integer priority) {
        this.priority = priority;
    }

    public Enforcement getEnforcement() {
        return enforcement;
    }

    public void setEnforcement(Enforcement enforcement) {
        this.enforcement = enforcement;
    }

    public DefaultAction getDefaultAction() {
        return defaultAction;
    }

    public void setDefaultAction(DefaultAction defaultAction) {
        this.defaultAction = defaultAction;
    }

    public List<Rule> getRules() {
        return rules;
    }

    public void setRules(List<Rule> rules) {
        this.rules = rules;
    }

    public AttachMode effectiveMode() {
        return mode == null ? AttachMode.Auto : mode;
    }

    public int effectivePriority() {
        return priority == null ? 500 : priority;
    }

    public Enforcement effectiveEnforcement() {
        return enforcement == null ? Enforcement.Enforce : enforcement;
    }

    public DefaultAction effectiveDefaultAction() {
        return defaultAction == null ? DefaultAction.Pass : defaultAction;
    }
}
