package io.xdpguard.operator.reconciler;

import static io.xdpguard.operator.testing.Fixtures.filter;
import static io.xdpguard.operator.testing.Fixtures.labels;
import static io.xdpguard.operator.testing.Fixtures.node;
import static io.xdpguard.operator.testing.Fixtures.rule;
import static org.assertj.core.api.Assertions.assertThat;

import io.xdpguard.api.v1alpha1.XdpFilter;
import io.xdpguard.api.v1alpha1.spec.Protocol;
import io.xdpguard.api.v1alpha1.spec.Rule;
import io.xdpguard.api.v1alpha1.spec.RuleAction;
import io.xdpguard.operator.status.Acceptance;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class FilterAdmissionTest {

    @Test
    void theSharedValidatorNamesTheField() {
        XdpFilter f = filter("f", 1, null, rule("r", RuleAction.Drop, Protocol.TCP, "70000"));
        Acceptance a = FilterAdmission.admit(f, Set.of(), List.of(), List.of(), true);
        assertThat(a.accepted()).isFalse();
        assertThat(a.reason()).isEqualTo("Invalid");
        assertThat(a.message()).startsWith("spec.rules[0].ports[0]");
    }

    @Test
    void referencedCidrSetsMustExist() {
        Rule r = rule("r", RuleAction.Drop, Protocol.Any);
        r.setSourceSets(List.of("known", "missing"));
        XdpFilter f = filter("f", 1, null, r);
        Acceptance a = FilterAdmission.admit(f, Set.of("known"), List.of(), List.of(), true);
        assertThat(a.reason()).isEqualTo("UnknownCidrSet");
        assertThat(a.message()).isEqualTo("spec.rules[0].sourceSets[1]: XdpCidrSet \"missing\" does not exist");
        assertThat(FilterAdmission.admit(f, Set.of("known", "missing"), List.of(), List.of(), true).accepted()).isTrue();
    }

    @Test
    void noNodeHoldsMoreThan8192RulesWithTheFailsafe() {
        Rule[] rules = IntStream.range(0, 1000).mapToObj(i -> rule("r" + i, RuleAction.Drop, Protocol.TCP, String.valueOf(i + 1)))
                .toArray(Rule[]::new);
        XdpFilter f = filter("f", 1, labels("role", "edge"), rules);
        var edge = node("edge-1", Map.of("role", "edge"));
        var others = IntStream.range(0, 8).mapToObj(i -> new FilterAdmission.RunningFilter("o" + i, null, 900)).toList();
        // 1000 + 7200 + 5 > 8192
        Acceptance a = FilterAdmission.admit(f, Set.of(), others, List.of(edge), true);
        assertThat(a.reason()).isEqualTo("RuleLimitExceeded");
        assertThat(a.message()).contains("node edge-1 would hold 8205 rules (this filter 1000, other filters 7200, failsafe 5)");
        // Without the failsafe, and on a node other filters do not select, it fits.
        assertThat(FilterAdmission.admit(f, Set.of(), others.subList(0, 7), List.of(edge), false).accepted()).isTrue();
        var elsewhere = others.stream().map(o -> new FilterAdmission.RunningFilter(o.name(), labels("role", "db"), 900)).toList();
        assertThat(FilterAdmission.admit(f, Set.of(), elsewhere, List.of(edge), true).accepted()).isTrue();
    }
}
