package io.xdpguard.operator.testing;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Taint;
import io.xdpguard.api.v1alpha1.XdpFilter;
import io.xdpguard.api.v1alpha1.XdpNodeState;
import io.xdpguard.api.v1alpha1.spec.DefaultAction;
import io.xdpguard.api.v1alpha1.spec.InterfaceSelector;
import io.xdpguard.api.v1alpha1.spec.Protocol;
import io.xdpguard.api.v1alpha1.spec.Rule;
import io.xdpguard.api.v1alpha1.spec.RuleAction;
import io.xdpguard.api.v1alpha1.spec.XdpFilterSpec;
import io.xdpguard.api.v1alpha1.status.FilterNodeStatus;
import io.xdpguard.api.v1alpha1.status.FilterPhase;
import io.xdpguard.api.v1alpha1.status.XdpNodeStateStatus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Small builders for API objects in tests. */
public final class Fixtures {
    private Fixtures() {
    }

    public static XdpFilter filter(String name, long generation, LabelSelector selector, Rule... rules) {
        XdpFilter f = new XdpFilter();
        f.getMetadata().setName(name);
        f.getMetadata().setGeneration(generation);
        XdpFilterSpec spec = new XdpFilterSpec();
        spec.setNodeSelector(selector);
        spec.setInterfaces(new InterfaceSelector(new ArrayList<>(List.of("eth*")), new ArrayList<>()));
        spec.setRules(new ArrayList<>(List.of(rules)));
        f.setSpec(spec);
        return f;
    }

    public static XdpFilter filterWithDefault(String name, DefaultAction defaultAction, Rule... rules) {
        XdpFilter f = filter(name, 1, null, rules);
        f.getSpec().setDefaultAction(defaultAction);
        return f;
    }

    public static LabelSelector labels(String... kv) {
        LabelSelectorBuilder b = new LabelSelectorBuilder();
        for (int i = 0; i < kv.length; i += 2) {
            b.addToMatchLabels(kv[i], kv[i + 1]);
        }
        return b.build();
    }

    public static Rule rule(String name, RuleAction action, Protocol protocol, String... ports) {
        Rule r = new Rule();
        r.setName(name);
        r.setAction(action);
        r.setProtocol(protocol);
        r.setPorts(new ArrayList<>(List.of(ports)));
        return r;
    }

    public static Rule dropFrom(String name, String cidr) {
        Rule r = rule(name, RuleAction.Drop, Protocol.Any);
        r.setSources(new ArrayList<>(List.of(cidr)));
        return r;
    }

    public static Node node(String name, Map<String, String> labels) {
        return readyNode(name, labels, true);
    }

    public static Node readyNode(String name, Map<String, String> labels, boolean ready) {
        return new NodeBuilder().withNewMetadata().withName(name).withLabels(labels).endMetadata()
                .withNewSpec().endSpec()
                .withNewStatus().addNewCondition().withType("Ready").withStatus(ready ? "True" : "False")
                .withLastTransitionTime("2025-01-01T00:00:00Z").endCondition().endStatus().build();
    }

    public static Node notReadySince(String name, Instant since) {
        return new NodeBuilder().withNewMetadata().withName(name).endMetadata().withNewSpec().endSpec()
                .withNewStatus().addNewCondition().withType("Ready").withStatus("Unknown")
                .withLastTransitionTime(since.toString()).endCondition().endStatus().build();
    }

    public static Node tainted(Node node, String key, String effect) {
        node.getSpec().setTaints(new ArrayList<>(List.of(new Taint(effect, key, null, null))));
        return node;
    }

    public static XdpNodeState state(String node, FilterNodeStatus... filters) {
        XdpNodeState s = new XdpNodeState();
        s.getMetadata().setName(node);
        XdpNodeStateStatus status = new XdpNodeStateStatus();
        status.setNode(node);
        status.setFilters(new ArrayList<>(List.of(filters)));
        status.setFilterCount(filters.length);
        s.setStatus(status);
        return s;
    }

    public static FilterNodeStatus report(String filter, long generation, FilterPhase phase) {
        return new FilterNodeStatus(filter, generation, phase, List.of(), 1, phase == FilterPhase.Failed ? "attach failed on eth0" : null);
    }
}
