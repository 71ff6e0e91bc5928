package io.xdpguard.operator.reconciler;

import static io.xdpguard.operator.testing.Fixtures.dropFrom;
import static io.xdpguard.operator.testing.Fixtures.filterWithDefault;
import static io.xdpguard.operator.testing.Fixtures.rule;
import static org.assertj.core.api.Assertions.assertThat;

import io.xdpguard.api.v1alpha1.XdpFilter;
import io.xdpguard.api.v1alpha1.spec.DefaultAction;
import io.xdpguard.api.v1alpha1.spec.Enforcement;
import io.xdpguard.api.v1alpha1.spec.Protocol;
import io.xdpguard.api.v1alpha1.spec.RateLimit;
import io.xdpguard.api.v1alpha1.spec.RuleAction;
import java.util.List;
import org.junit.jupiter.api.Test;

class LockoutCheckTest {

    @Test
    void passDefaultWithTargetedDropsIsSafe() {
        XdpFilter f = filterWithDefault("f", DefaultAction.Pass, rule("telnet", RuleAction.Drop, Protocol.TCP, "23"),
                dropFrom("bad", "192.0.2.0/24"));
        assertThat(LockoutCheck.check(f.getSpec())).isEmpty();
    }

    @Test
    void dropDefaultCutsEveryFailsafePortNotPassedBefore() {
        XdpFilter f = filterWithDefault("f", DefaultAction.Drop, rule("ssh", RuleAction.Pass, Protocol.TCP, "22"),
                rule("https", RuleAction.Pass, Protocol.TCP, "443"));
        assertThat(LockoutCheck.check(f.getSpec())).containsExactly(new LockoutCheck.Finding("spec.defaultAction",
                "TCP 6443, TCP 2379, TCP 2380, TCP 10250, TCP 10257, TCP 10259, UDP 67, UDP 68, UDP 546, UDP 547"));
    }

    @Test
    void aPassFromSomeSourcesDoesNotSaveTheRest() {
        var ssh = rule("ssh-bastion", RuleAction.Pass, Protocol.TCP, "22");
        ssh.setSources(List.of("10.0.0.0/24"));
        XdpFilter f = filterWithDefault("f", DefaultAction.Drop, ssh, rule("rest", RuleAction.Pass, Protocol.TCP, "1-65535"),
                rule("udp", RuleAction.Pass, Protocol.UDP));
        assertThat(LockoutCheck.check(f.getSpec())).isEmpty();
        XdpFilter g = filterWithDefault("g", DefaultAction.Drop, ssh);
        assertThat(LockoutCheck.check(g.getSpec())).extracting(LockoutCheck.Finding::traffic)
                .singleElement().asString().startsWith("TCP 22, TCP 6443");
    }

    @Test
    void rulesDroppingOrRateLimitingFailsafePortsAreNamed() {
        var rl = rule("etcd-rl", RuleAction.RateLimit, Protocol.TCP, "2000-3000");
        rl.setRateLimit(new RateLimit(10L, 10L, null));
        XdpFilter f = filterWithDefault("f", DefaultAction.Pass, rule("no-ssh", RuleAction.Drop, Protocol.TCP, "22"), rl,
                rule("dhcp", RuleAction.Drop, Protocol.UDP, "67-68"));
        assertThat(LockoutCheck.check(f.getSpec())).containsExactly(
                new LockoutCheck.Finding("spec.rules[0] (no-ssh)", "TCP 22"),
                new LockoutCheck.Finding("spec.rules[1] (etcd-rl)", "TCP 2379, TCP 2380"),
                new LockoutCheck.Finding("spec.rules[2] (dhcp)", "UDP 67, UDP 68"));
    }

    @Test
    void auditDropsNothing() {
        XdpFilter f = filterWithDefault("f", DefaultAction.Drop);
        f.getSpec().setEnforcement(Enforcement.Audit);
        assertThat(LockoutCheck.check(f.getSpec())).isEmpty();
    }
}
