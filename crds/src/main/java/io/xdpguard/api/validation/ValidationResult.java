package io.xdpguard.api.validation;

import java.util.List;
import java.util.stream.Collectors;

/** Every violation found in one object; valid when there is none. */
public record ValidationResult(List<Violation> violations) {
    public ValidationResult {
        violations = List.copyOf(violations);
    }

    public boolean valid() {
        return violations.isEmpty();
    }

    /** One line for a status message or a CLI error: the first few violations, and how many more. */
    public String summary() {
        if (violations.isEmpty()) {
            return "valid";
        }
        int shown = Math.min(3, violations.size());
        String head = violations.subList(0, shown).stream().map(Violation::toString).collect(Collectors.joining("; "));
        return violations.size() > shown ? head + "; and " + (violations.size() - shown) + " more" : head;
    }
}
