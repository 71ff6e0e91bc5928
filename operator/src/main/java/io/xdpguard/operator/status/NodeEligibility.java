package io.xdpguard.operator.status;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.Toleration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Whether a node can run the agent now: it runs Linux, it is Ready, not being deleted, and the agent tolerates every
 * NoSchedule and NoExecute taint on it (PreferNoSchedule never keeps a DaemonSet pod away). Pure.
 */
public final class NodeEligibility {
    /** The label the kubelet sets to its operating system (Go's GOOS: linux, windows). */
    public static final String OS_LABEL = "kubernetes.io/os";
    public static final String LINUX = "linux";

    private NodeEligibility() {
    }

    /** Why a node cannot run the agent, or empty when it can. */
    public static Optional<String> whyExcluded(Node node, List<Toleration> tolerations) {
        if (!isLinux(node)) {
            // The agent's DaemonSet is restricted to Linux nodes (AgentDaemonSet.affinity): no agent ever comes.
            return Optional.of(OS_LABEL + "=" + os(node) + ", not " + LINUX);
        }
        if (node.getMetadata().getDeletionTimestamp() != null) {
            return Optional.of("being deleted");
        }
        if (!isReady(node)) {
            return Optional.of("NotReady");
        }
        List<Taint> taints = node.getSpec() == null || node.getSpec().getTaints() == null ? List.of()
                : node.getSpec().getTaints();
        for (Taint taint : taints) {
            if ("PreferNoSchedule".equals(taint.getEffect())) {
                continue;
            }
            if (tolerations.stream().noneMatch(t -> tolerates(t, taint))) {
                return Optional.of("taint " + taint.getKey() + (taint.getValue() == null ? "" : "=" + taint.getValue())
                        + ":" + taint.getEffect() + " not tolerated");
            }
        }
        return Optional.empty();
    }

    /**
     * Whether the node runs Linux, the only system the agent runs on: its {@value #OS_LABEL} label says
     * {@value #LINUX}, or it has no such label (a cluster older than the label). The agent DaemonSet's affinity admits
     * exactly these nodes.
     */
    public static boolean isLinux(Node node) {
        String os = os(node);
        return os == null || LINUX.equals(os);
    }

    private static String os(Node node) {
        Map<String, String> labels = node.getMetadata().getLabels();
        return labels == null ? null : labels.get(OS_LABEL);
    }

    public static boolean isReady(Node node) {
        return readyCondition(node).map(c -> "True".equals(c.getStatus())).orElse(false);
    }

    /** Since when the node has not been Ready, or empty when it is Ready or the time is unknown. */
    public static Optional<Instant> notReadySince(Node node) {
        Optional<NodeCondition> ready = readyCondition(node);
        if (ready.isPresent() && "True".equals(ready.get().getStatus())) {
            return Optional.empty();
        }
        String since = ready.map(NodeCondition::getLastTransitionTime).orElse(node.getMetadata().getCreationTimestamp());
        try {
            return since == null ? Optional.empty() : Optional.of(Instant.parse(since));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    private static Optional<NodeCondition> readyCondition(Node node) {
        if (node.getStatus() == null || node.getStatus().getConditions() == null) {
            return Optional.empty();
        }
        return node.getStatus().getConditions().stream().filter(c -> "Ready".equals(c.getType())).findFirst();
    }

    /** The scheduler's ToleratesTaint. */
    public static boolean tolerates(Toleration toleration, Taint taint) {
        if (toleration.getEffect() != null && !toleration.getEffect().isEmpty()
                && !toleration.getEffect().equals(taint.getEffect())) {
            return false;
        }
        boolean anyKey = toleration.getKey() == null || toleration.getKey().isEmpty();
        if (!anyKey && !toleration.getKey().equals(taint.getKey())) {
            return false;
        }
        if ("Exists".equals(toleration.getOperator())) {
            return true;
        }
        // Equal (the default): an empty key must come with Exists.
        return !anyKey && Objects.equals(nullToEmpty(toleration.getValue()), nullToEmpty(taint.getValue()));
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }
}
