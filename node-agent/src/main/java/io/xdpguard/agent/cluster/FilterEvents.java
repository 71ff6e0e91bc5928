package io.xdpguard.agent.cluster;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.xdpguard.api.v1alpha1.Api;
import io.xdpguard.api.v1alpha1.XdpFilter;
import java.time.Clock;
import java.time.Instant;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import org.jboss.logging.Logger;

/**
 * Kubernetes Events (core v1, involvedObject = the XdpFilter) for failures on this node. The same filter, reason
 * and message are emitted once for as long as the failure lasts (a filter that recovers may report the same
 * failure again later), and at most {@code perMinute} events are created per minute (a token bucket).
 */
final class FilterEvents {
    private static final Logger LOG = Logger.getLogger(FilterEvents.class);
    private static final int MAX_REMEMBERED = 4096;

    private final KubernetesClient client;
    private final String namespace;
    private final String node;
    private final int perMinute;
    private final Clock clock;
    private final Set<String> emitted = new LinkedHashSet<>();
    private double tokens;
    private long lastRefillMillis;
    private long suppressed;

    FilterEvents(KubernetesClient client, String namespace, String node, int perMinute, Clock clock) {
        this.client = client;
        this.namespace = namespace;
        this.node = node;
        this.perMinute = perMinute;
        this.clock = clock;
        this.tokens = perMinute;
        this.lastRefillMillis = clock.millis();
    }

    /** One failure of the current reconcile. */
    record Failure(XdpFilter filter, String reason, String message) {
        String key() {
            return filter.getMetadata().getName() + "\u0000" + reason + "\u0000" + message;
        }
    }

    /**
     * Emits the failures not emitted yet, and forgets those no longer current (so that a recurrence is reported).
     * Never throws: an API error leaves the failure to be retried at the next reconcile.
     */
    synchronized void report(Iterable<Failure> current) {
        Set<String> keys = new HashSet<>();
        for (Failure failure : current) {
            keys.add(failure.key());
            if (emitted.contains(failure.key())) {
                continue;
            }
            if (!take()) {
                suppressed++;
                continue;
            }
            try {
                client.v1().events().inNamespace(namespace).resource(event(failure)).create();
                emitted.add(failure.key());
                if (emitted.size() > MAX_REMEMBERED) {
                    emitted.remove(emitted.iterator().next());
                }
            } catch (KubernetesClientException e) {
                LOG.debugf("cannot create an event for XdpFilter %s: %s", failure.filter().getMetadata().getName(), e.getMessage());
            }
        }
        emitted.retainAll(keys);
    }

    synchronized long suppressed() {
        return suppressed;
    }

    private boolean take() {
        long now = clock.millis();
        tokens = Math.min(perMinute, tokens + (now - lastRefillMillis) * perMinute / 60_000.0);
        lastRefillMillis = now;
        if (tokens >= 1) {
            tokens -= 1;
            return true;
        }
        return false;
    }

    private Event event(Failure failure) {
        XdpFilter filter = failure.filter();
        String name = filter.getMetadata().getName();
        String now = Instant.now(clock).toString();
        String message = failure.message().length() > 1000 ? failure.message().substring(0, 1000) + "..." : failure.message();
        return new EventBuilder()
                .withNewMetadata()
                .withName(name + "." + node + "." + Long.toHexString(clock.millis()) + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000)))
                .withNamespace(namespace)
                .endMetadata()
                .withInvolvedObject(new ObjectReferenceBuilder().withApiVersion(Api.API_VERSION).withKind("XdpFilter")
                        .withName(name).withUid(filter.getMetadata().getUid())
                        .withResourceVersion(filter.getMetadata().getResourceVersion()).build())
                .withReason(failure.reason())
                .withMessage("node " + node + ": " + message)
                .withType("Warning")
                .withNewSource().withComponent("xdpguard-agent").withHost(node).endSource()
                .withReportingComponent("xdpguard.io/agent")
                .withReportingInstance(node)
                .withFirstTimestamp(now)
                .withLastTimestamp(now)
                .withCount(1)
                .build();
    }
}
