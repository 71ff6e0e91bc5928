package io.xdpguard.api.v1alpha1.spec;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.xdpguard.api.v1alpha1.Api;
import java.util.ArrayList;
import java.util.List;

/** A shared list of IPv4/IPv6 CIDRs or bare addresses. */
public class XdpCidrSetSpec {
    @Required
    @Size(max = Api.MAX_CIDRS_PER_SET)
    @JsonPropertyDescription("IPv4/IPv6 CIDRs or bare addresses; at most 50,000 (larger lists span several sets).")
    @JsonDeserialize(using = CompactCidrList.Deserializer.class)
    private List<String> cidrs = new ArrayList<>();

    public XdpCidrSetSpec() {
    }

    public XdpCidrSetSpec(List<String> cidrs) {
        this.cidrs = cidrs;
    }

    public List<String> getCidrs() {
        return cidrs;
    }

    public void setCidrs(List<String> cidrs) {
        this.cidrs = cidrs;
    }
}
