package io.xdpguard.operator.reconciler;

import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.xdpguard.api.v1alpha1.XdpCidrSet;
import io.xdpguard.api.v1alpha1.status.XdpCidrSetStatus;
import io.xdpguard.api.validation.ValidationResult;
import io.xdpguard.api.validation.XdpFilterValidator;
import io.xdpguard.operator.event.EventReason;
import io.xdpguard.operator.event.EventRecorder;
import io.xdpguard.operator.status.Acceptance;
import io.xdpguard.operator.status.Conditions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Validates an XdpCidrSet with the shared validator and reports count, observedGeneration and Accepted. Filters that
 * reference the set are re-evaluated by the filter reconciler, which watches sets too.
 */
@ControllerConfiguration(name = XdpCidrSetReconciler.NAME)
public class XdpCidrSetReconciler implements Reconciler<XdpCidrSet> {
    public static final String NAME = "xdpcidrset";
    static final String ACCEPTED = "Accepted";

    private final EventRecorder events;

    public XdpCidrSetReconciler(EventRecorder events) {
        this.events = events;
    }

    @Override
    public UpdateControl<XdpCidrSet> reconcile(XdpCidrSet set, Context<XdpCidrSet> context) {
        XdpCidrSetStatus status = status(set, XdpFilterValidator.validate(set), Instant.now());
        boolean rejected = !Conditions.isTrue(status.getConditions(), ACCEPTED);
        boolean alreadyReported = set.getStatus() != null
                && Conditions.find(set.getStatus().getConditions(), ACCEPTED)
                        .filter(c -> Objects.equals(c.getObservedGeneration(), set.getMetadata().getGeneration()))
                        .filter(c -> Conditions.FALSE.equals(c.getStatus())).isPresent();
        if (rejected && !alreadyReported) {
            events.record(set, EventReason.Rejected, "Generation " + set.getMetadata().getGeneration() + " rejected: "
                    + Conditions.find(status.getConditions(), ACCEPTED).map(c -> c.getMessage()).orElse(""));
        }
        if (status.equals(set.getStatus())) {
            return UpdateControl.noUpdate();
        }
        set.setStatus(status);
        return UpdateControl.patchStatus(set);
    }

    /** The set's status: pure. A rejected generation keeps the previous count (what the agents still use). */
    static XdpCidrSetStatus status(XdpCidrSet set, ValidationResult result, Instant now) {
        long generation = Objects.requireNonNullElse(set.getMetadata().getGeneration(), 0L);
        XdpCidrSetStatus previous = set.getStatus() == null ? new XdpCidrSetStatus() : set.getStatus();
        XdpCidrSetStatus status = new XdpCidrSetStatus();
        status.setObservedGeneration(generation);
        List<io.fabric8.kubernetes.api.model.Condition> conditions = new ArrayList<>();
        if (result.valid()) {
            status.setCount(set.getSpec().getCidrs().size());
            conditions.add(Conditions.next(previous.getConditions(), ACCEPTED, true, Acceptance.VALID,
                    status.getCount() + " CIDRs", generation, now));
        } else {
            status.setCount(previous.getCount());
            conditions.add(Conditions.next(previous.getConditions(), ACCEPTED, false, Acceptance.INVALID,
                    result.summary(), generation, now));
        }
        status.setConditions(conditions);
        return status;
    }
}
