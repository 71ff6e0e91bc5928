package io.xdpguard.operator.event;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.Optional;
import io.xdpguard.operator.config.OperatorConfig;
import org.jboss.logging.Logger;

/**
 * The operator's one way to record Events (core/v1, what {@code kubectl describe} shows). Events about cluster-scoped
 * objects go to the {@code default} namespace, as kubectl and the kubelet do. Recording is best effort: a failure is
 * logged and never fails a reconciliation.
 */
@ApplicationScoped
public class EventRecorder {
    static final String WARNING = "Warning";
    static final String NORMAL = "Normal";
    public static final String COMPONENT = "xdpguard-operator";
    private static final Logger LOG = Logger.getLogger(EventRecorder.class);

    private final KubernetesClient client;
    private final String instance;

    public EventRecorder(KubernetesClient client, OperatorConfig config) {
        this.client = client;
        this.instance = config.podName();
    }

    public void record(HasMetadata object, EventReason reason, String message) {
        String namespace = Optional.ofNullable(object.getMetadata().getNamespace()).orElse("default");
        String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
        String name = object.getMetadata().getName() + "." + Long.toHexString(System.nanoTime())
                + reason.name().toLowerCase(Locale.ROOT).charAt(0);
        try {
            client.v1().events().inNamespace(namespace).resource(new EventBuilder()
                    .withNewMetadata().withName(name).withNamespace(namespace).endMetadata()
                    .withNewInvolvedObject().withApiVersion(object.getApiVersion()).withKind(object.getKind())
                    .withName(object.getMetadata().getName()).withUid(object.getMetadata().getUid())
                    .withResourceVersion(object.getMetadata().getResourceVersion()).endInvolvedObject()
                    .withType(reason.type()).withReason(reason.name())
                    .withMessage(message.length() > 1024 ? message.substring(0, 1021) + "..." : message)
                    .withFirstTimestamp(now).withLastTimestamp(now).withCount(1)
                    .withNewSource().withComponent(COMPONENT).endSource()
                    .withReportingComponent("xdpguard.io/operator").withReportingInstance(instance)
                    .withAction(reason.name())
                    .build()).create();
        } catch (KubernetesClientException e) {
            LOG.warnf("Could not record %s Event for %s: %s", reason, object.getMetadata().getName(), e.getMessage());
        }
    }
}
