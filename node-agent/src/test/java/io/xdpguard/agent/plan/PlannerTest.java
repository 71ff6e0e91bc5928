package io.xdpguard.agent.plan;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.xdpguard.agent.dataplane.InterfacePlan;
import io.xdpguard.agent.dataplane.rules.FailsafeConfig;
import io.xdpguard.agent.dataplane.rules.MatchRule;
import io.xdpguard.agent.dataplane.testing.Filters;
import io.xdpguard.api.v1alpha1.XdpCidrSet;
import io.xdpguard.api.v1alpha1.XdpFilter;
import io.xdpguard.api.v1alpha1.spec.CompactCidrList;
import io.xdpguard.api.v1alpha1.spec.XdpCidrSetSpec;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PlannerTest {
    private static final XdpFilter BLOCKLIST = Filters.filter("planner-blocklist", """
            interfaces: {include: ["eth*"]}
            rules:
              - {name: feed, action: Drop, sourceSets: [planner-feed]}
            """);
    private static final XdpFilter WEB = Filters.filter("planner-web", """
            interfaces: {include: [eth0]}
            rules:
              - {name: web, action: Pass, protocol: TCP, ports: ["443"]}
            """);

    @Test
    void eachInterfaceGetsTheFiltersThatSelectItAndAFilterThatCannotBeMergedIsReported() {
        Plan plan = plan(List.of(BLOCKLIST, WEB), Map.of());

        assertThat(plan.errors()).singleElement().satisfies(e -> {
            assertThat(e.filter()).isEqualTo("planner-blocklist");
            assertThat(e.message()).contains("XdpCidrSet \"planner-feed\" not found");
        });
        assertThat(plan.filtersByInterface()).containsOnly(Map.entry("eth0", List.of("planner-web")));

        plan = plan(List.of(BLOCKLIST, WEB), Map.of("planner-feed", set("192.0.2.0/24")));
        assertThat(plan.errors()).isEmpty();
        assertThat(plan.filtersByInterface()).containsOnly(Map.entry("eth0", List.of("planner-blocklist", "planner-web")),
                Map.entry("eth1", List.of("planner-blocklist")));
    }

    @Test
    void anUnchangedFilterIsMergedOnceAndReusedAcrossInterfacesAndReconciles() {
        Map<String, XdpCidrSet> sets = Map.of("planner-feed", set("192.0.2.0/24"));
        Plan first = plan(List.of(BLOCKLIST, WEB), sets);
        Plan again = plan(List.of(BLOCKLIST, WEB), sets);

        assertThat(rule(again, "eth1", 0)).isSameAs(rule(first, "eth1", 0)).isSameAs(rule(first, "eth0", 0));
        // a new version of the set gives the rule its new addresses
        Plan changed = plan(List.of(BLOCKLIST, WEB), Map.of("planner-feed", set("198.51.100.0/24")));
        assertThat(rule(changed, "eth1", 0).sources().prefixes()).extracting(Object::toString)
                .containsExactly("198.51.100.0/24");
    }

    @Test
    void theRuleSetIdIsTheDigestOfTheCanonicalJsonAndChangesWithWhatTheRulesAreMadeOf() throws Exception {
        Map<String, XdpCidrSet> sets = Map.of("planner-feed", set("192.0.2.0/24"));
        String id = Planner.ruleSetId(List.of(BLOCKLIST), sets, FailsafeConfig.disabled());

        // what earlier agents pinned as the digest of a rule set: an upgrade must find it unchanged
        ObjectMapper canonical = new ObjectMapper().configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);
        Map<String, Object> inputs = new LinkedHashMap<>();
        inputs.put("filter/planner-blocklist", BLOCKLIST.getSpec());
        inputs.put("set/planner-feed", sha256(canonical.writeValueAsString(sets.get("planner-feed").getSpec())));
        inputs.put("failsafe", FailsafeConfig.disabled().toString());
        assertThat(id).isEqualTo(sha256(canonical.writeValueAsString(inputs)));

        assertThat(Planner.ruleSetId(List.of(Filters.filter("planner-blocklist", """
                interfaces: {include: ["eth*"]}
                rules:
                  - {name: feed, action: Drop, sourceSets: [planner-feed]}
                """)), Map.of("planner-feed", set("192.0.2.0/24")), FailsafeConfig.disabled())).isEqualTo(id);
        assertThat(Planner.ruleSetId(List.of(BLOCKLIST), Map.of("planner-feed", set("192.0.2.0/25")),
                FailsafeConfig.disabled())).isNotEqualTo(id);
    }

    private static Plan plan(List<XdpFilter> filters, Map<String, XdpCidrSet> sets) {
        return Planner.plan(filters, sets, Map.of(), List.of("eth0", "eth1"), FailsafeConfig.disabled());
    }

    private static MatchRule rule(Plan plan, String iface, int index) {
        InterfacePlan p = plan.interfaces().stream().filter(i -> i.name().equals(iface)).findFirst().orElseThrow();
        return p.rules().rules().get(index);
    }

    private static XdpCidrSet set(String... cidrs) {
        XdpCidrSet set = new XdpCidrSet();
        set.getMetadata().setName("planner-feed");
        set.setSpec(new XdpCidrSetSpec(CompactCidrList.of(List.of(cidrs))));
        return set;
    }

    private static String sha256(String text) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    }
}
