package io.xdpguard.operator.status;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;

/** Condition helpers: lastTransitionTime moves only when a condition's status changes. */
public final class Conditions {
    public static final String TRUE = "True";
    public static final String FALSE = "False";

    private Conditions() {
    }

    public static Optional<Condition> find(List<Condition> conditions, String type) {
        return conditions == null ? Optional.empty()
                : conditions.stream().filter(c -> type.equals(c.getType())).findFirst();
    }

    public static boolean isTrue(List<Condition> conditions, String type) {
        return find(conditions, type).map(c -> TRUE.equals(c.getStatus())).orElse(false);
    }

    /**
     * A condition as it should be now: the previous one's lastTransitionTime is kept when the status is unchanged,
     * otherwise it becomes {@code now} (to the second, as the API stores it).
     */
    public static Condition next(List<Condition> previous, String type, boolean status, String reason, String message,
            long observedGeneration, Instant now) {
        String value = status ? TRUE : FALSE;
        String transition = find(previous, type)
                .filter(c -> value.equals(c.getStatus()) && c.getLastTransitionTime() != null)
                .map(Condition::getLastTransitionTime)
                .orElse(now.truncatedTo(ChronoUnit.SECONDS).toString());
        return new ConditionBuilder().withType(type).withStatus(value).withReason(reason)
                .withMessage(truncate(message, 32_000)).withObservedGeneration(observedGeneration)
                .withLastTransitionTime(transition).build();
    }

    static String truncate(String s, int max) {
        return s == null || s.length() <= max ? s : s.substring(0, max - 3) + "...";
    }
}
