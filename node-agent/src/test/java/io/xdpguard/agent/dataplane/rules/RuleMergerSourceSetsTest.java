package io.xdpguard.agent.dataplane.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.xdpguard.agent.dataplane.testing.Filters;
import io.xdpguard.api.v1alpha1.XdpCidrSet;
import io.xdpguard.api.v1alpha1.XdpFilter;
import io.xdpguard.api.v1alpha1.spec.CompactCidrList;
import io.xdpguard.api.v1alpha1.spec.XdpCidrSetSpec;
import io.xdpguard.api.validation.Cidrs;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RuleMergerSourceSetsTest {
    private static final XdpFilter FILTER = Filters.filter("sets", """
            interfaces: {include: [eth0]}
            rules:
              - {name: blocklist, action: Drop, sources: [192.0.2.0/24], sourceSets: [merger-a, merger-b]}
            """);

    @Test
    void aRuleMatchesItsDirectSourcesAndEverySetsEntriesInOneMatch() throws RuleSetException {
        AddressMatch match = blocklist(Map.of("merger-a", set("merger-a", "10.0.0.0/8", "2001:db8::/32"),
                "merger-b", set("merger-b", "198.51.100.7")));

        assertThat(match).isEqualTo(AddressMatch.of(List.of(Cidrs.parse("192.0.2.0/24"), Cidrs.parse("10.0.0.0/8"),
                Cidrs.parse("198.51.100.7"), Cidrs.parse("2001:db8::/32"))));
    }

    @Test
    void unchangedSetsGiveTheSameMatchObjectAndAChangedSetANewOne() throws RuleSetException {
        XdpCidrSet a = set("merger-a", "10.0.0.0/8");
        XdpCidrSet b = set("merger-b", "198.51.100.7");
        AddressMatch first = blocklist(Map.of("merger-a", a, "merger-b", b));

        assertThat(blocklist(Map.of("merger-a", a, "merger-b", b))).isSameAs(first);

        AddressMatch changed = blocklist(Map.of("merger-a", a, "merger-b", set("merger-b", "203.0.113.0/24")));
        assertThat(changed).isNotSameAs(first);
        assertThat(changed.matches(Cidrs.parse("203.0.113.9"))).isTrue();
        assertThat(changed.matches(Cidrs.parse("198.51.100.7"))).isFalse();
    }

    @Test
    void aSetOfCanonicalCidrsIsReadInPlaceAndADeliveryAgainGivesAnEqualMatchOverTheNewList() throws RuleSetException {
        AddressMatch first = blocklist(Map.of("merger-a", compactSet("merger-a", "10.0.0.0/8", "2001:db8::/32"),
                "merger-b", compactSet("merger-b", "198.51.100.7")));
        assertThat(first.readsListsInPlace()).isTrue();

        // what the informer holds after a relist: new objects, same content; the match must not keep the old ones
        XdpCidrSet again = compactSet("merger-b", "198.51.100.7");
        AddressMatch second = blocklist(Map.of("merger-a", compactSet("merger-a", "10.0.0.0/8", "2001:db8::/32"),
                "merger-b", again));
        assertThat(second).isEqualTo(first);
        assertThat(second.toString()).isEqualTo(first.toString());
        assertThat(blocklist(Map.of("merger-a", compactSet("merger-a", "10.0.0.0/8", "2001:db8::/32"),
                "merger-b", compactSet("merger-b", "198.51.100.8")))).isNotEqualTo(first)
                .satisfies(m -> assertThat(m.matches(Cidrs.parse("198.51.100.8"))).isTrue());
    }

    @Test
    void aParsedSetDeliveredAgainWithTheSameCidrsGivesTheSameMatchObject() throws RuleSetException {
        // not canonical (upper case): parsed, and the parse is not repeated for an equal list
        AddressMatch first = blocklist(Map.of("merger-a", compactSet("merger-a", "10.0.0.0/8", "2001:DB8::/32"),
                "merger-b", compactSet("merger-b", "2001:DB8:1::7")));
        assertThat(first.readsListsInPlace()).isFalse();

        assertThat(blocklist(Map.of("merger-a", compactSet("merger-a", "10.0.0.0/8", "2001:DB8::/32"),
                "merger-b", compactSet("merger-b", "2001:DB8:1::7")))).isSameAs(first);
    }

    @Test
    void aMissingSetNamesTheField() {
        assertThatThrownBy(() -> blocklist(Map.of("merger-a", set("merger-a", "10.0.0.0/8"))))
                .isInstanceOf(RuleSetException.class)
                .hasMessageContaining("spec.rules[0].sourceSets[1]: XdpCidrSet \"merger-b\" not found");
    }

    private static AddressMatch blocklist(Map<String, XdpCidrSet> sets) throws RuleSetException {
        return RuleMerger.merge(List.of(FILTER), sets, FailsafeConfig.disabled()).rules().get(0).sources();
    }

    /** A set as the informer's deserializer builds it. */
    private static XdpCidrSet compactSet(String name, String... cidrs) {
        XdpCidrSet set = new XdpCidrSet();
        set.getMetadata().setName(name);
        set.setSpec(new XdpCidrSetSpec(CompactCidrList.of(List.of(cidrs))));
        return set;
    }

    private static XdpCidrSet set(String name, String... cidrs) {
        XdpCidrSet set = new XdpCidrSet();
        set.getMetadata().setName(name);
        set.setSpec(new XdpCidrSetSpec(List.of(cidrs)));
        return set;
    }
}
