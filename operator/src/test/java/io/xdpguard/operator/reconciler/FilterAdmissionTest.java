package io.xdpguard.operator.reconciler;

import static io.xdpguard.operator.testing.Fixtures.filter;
import static io.xdpguard.operator.testing.Fixtures.rule;
import static org.assertj.core.api.Assertions.assertThat;

import io.xdpguard.api.v1alpha1.XdpFilter;
import io.xdpguard.api.v1alpha1.spec.Protocol;
import io.xdpguard.api.v1alpha1.spec.Rule;
import io.xdpguard.api.v1alpha1.spec.RuleAction;
import io.xdpguard.operator.status.Acceptance;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FilterAdmissionTest {

    @Test
    void theSharedValidatorNamesTheField() {
        XdpFilter f = filter("f", 1, null, rule("r", RuleAction.Drop, Protocol.TCP, "70000"));
        Acceptance a = FilterAdmission.admit(f, Set.of());
        assertThat(a.accepted()).isFalse();
        assertThat(a.reason()).isEqualTo("Invalid");
        assertThat(a.message()).startsWith("spec.rules[0].ports[0]");
    }

    @Test
    void referencedCidrSetsMustExist() {
        Rule r = rule("r", RuleAction.Drop, Protocol.Any);
        r.setSourceSets(List.of("known", "missing"));
        XdpFilter f = filter("f", 1, null, r);
        Acceptance a = FilterAdmission.admit(f, Set.of("known"));
        assertThat(a.reason()).isEqualTo("UnknownCidrSet");
        assertThat(a.message()).isEqualTo("spec.rules[0].sourceSets[1]: XdpCidrSet \"missing\" does not exist");
        assertThat(FilterAdmission.admit(f, Set.of("known", "missing")).accepted()).isTrue();
    }
}
