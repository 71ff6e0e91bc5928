package io.xdpguard.operator.dependent;

import com.fasterxml.jackson.core.type.TypeReference;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.xdpguard.operator.config.OperatorConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * Creates, updates and deletes the one agent DaemonSet. Not a JOSDK workflow dependent: those belong to one primary,
 * while this DaemonSet is the aggregate of every filter (and is deleted when none is left), so the filter reconciler
 * calls it with the desired placement computed from all of them.
 *
 * <p>No owner reference: the DaemonSet's lifetime is that of the filters, not of one filter nor of the operator's
 * Deployment (an operator upgrade or reinstall must not remove the agents and with them every filter). The operator
 * deletes it when no filter and no agent's leftover needs it; a Helm uninstall removes it by its labels.
 */
@ApplicationScoped
public class AgentDaemonSetDependent {
    private static final Logger LOG = Logger.getLogger(AgentDaemonSetDependent.class);

    private final KubernetesClient client;
    private final OperatorConfig config;
    private final AgentNodeLabels nodeLabels;

    public AgentDaemonSetDependent(KubernetesClient client, OperatorConfig config, AgentNodeLabels nodeLabels) {
        this.client = client;
        this.config = config;
        this.nodeLabels = nodeLabels;
    }

    public String namespace() {
        return config.namespace();
    }

    public String name() {
        return config.agent().name();
    }

    /** The nodeSelector each filter was last placed with, as recorded on the DaemonSet. */
    public static Map<String, LabelSelector> recordedSelectors(Optional<DaemonSet> actual) {
        return actual.map(ds -> ds.getMetadata().getAnnotations())
                .map(a -> a.get(AgentDaemonSet.SELECTORS_ANNOTATION))
                .map(json -> {
                    try {
                        return Serialization.jsonMapper().readValue(json, new TypeReference<Map<String, LabelSelector>>() {
                        });
                    } catch (java.io.IOException | RuntimeException e) {
                        LOG.warnf("Ignoring unreadable %s annotation: %s", AgentDaemonSet.SELECTORS_ANNOTATION, e.getMessage());
                        return Map.<String, LabelSelector>of();
                    }
                })
                .orElse(Map.of());
    }

    /** What the DaemonSet and the node labels should be, from one view of the caches. */
    public record Desired(Optional<DaemonSet> cached, AgentPlacement.Placement placement,
            Map<String, LabelSelector> selectors, List<Node> nodes) {
    }

    /**
     * Makes the DaemonSet and the nodes' {@link AgentNodeLabels#LABEL} match the placement, {@code desired} taken
     * under this object's lock (see the caller). Nodes gaining the agent are labelled first and nodes losing it
     * unlabelled last, so that no agent is stopped on a node the placement keeps while the DaemonSet changes between
     * selecting by label and selecting every node. {@code cached} is the informer's DaemonSet: when its hash already
     * matches, nothing is read or written; otherwise the live object is read, so a stale cache never overwrites a
     * newer write.
     *
     * @return the node label patches that failed, one line each (the rest is written regardless)
     */
    public synchronized List<String> reconcile(Supplier<Desired> desired) {
        Desired d = desired.get();
        Set<String> wanted = AgentNodeLabels.wanted(d.placement());
        List<String> failures = new ArrayList<>(nodeLabels.add(d.nodes(), wanted));
        writeDaemonSet(d.cached(), d.placement(), d.selectors());
        failures.addAll(nodeLabels.removeOthers(d.nodes(), wanted));
        return failures;
    }

    private void writeDaemonSet(Optional<DaemonSet> cached, AgentPlacement.Placement placement,
            Map<String, LabelSelector> selectors) {
        var resource = client.apps().daemonSets().inNamespace(namespace()).withName(name());
        if (placement instanceof AgentPlacement.NoAgent) {
            if (cached.isPresent() || resource.get() != null) {
                LOG.infof("No filter needs the agent any more: deleting DaemonSet %s/%s", namespace(), name());
                resource.delete();
            }
            return;
        }
        DaemonSet desired = AgentDaemonSet.desired(config, placement, selectors);
        String hash = desired.getMetadata().getAnnotations().get(AgentDaemonSet.HASH_ANNOTATION);
        if (cached.map(AgentDaemonSetDependent::hashOf).filter(hash::equals).isPresent()) {
            return;
        }
        DaemonSet live = resource.get();
        if (live == null) {
            LOG.infof("Creating DaemonSet %s/%s", namespace(), name());
            client.apps().daemonSets().inNamespace(namespace()).resource(desired).create();
        } else if (!Objects.equals(hashOf(live), hash)) {
            LOG.infof("Updating DaemonSet %s/%s", namespace(), name());
            desired.getMetadata().setResourceVersion(live.getMetadata().getResourceVersion());
            client.apps().daemonSets().inNamespace(namespace()).resource(desired).update();
        }
    }

    static String hashOf(DaemonSet ds) {
        return ds.getMetadata().getAnnotations() == null ? null
                : ds.getMetadata().getAnnotations().get(AgentDaemonSet.HASH_ANNOTATION);
    }
}
