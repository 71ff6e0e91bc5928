package io.xdpguard.api.v1alpha1.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.ArrayList;
import java.util.List;

/** Host interfaces by name or glob ({@code *}, {@code ?}): included unless excluded. */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public class InterfaceSelector {
    @Required
    @Size(min = 1, max = 64)
    @JsonPropertyDescription("Interface names or globs, e.g. eth0, eth*, ens*. At least one.")
    private List<String> include = new ArrayList<>();

    @Size(max = 64)
    @JsonPropertyDescription("Interface names or globs removed from what include selects, e.g. lo, cali*.")
    private List<String> exclude = new ArrayList<>();

    public InterfaceSelector() {
    }

    public InterfaceSelector(List<String> include, List<String> exclude) {
        this.include = include;
        this.exclude = exclude;
    }

    public List<String> getInclude() {
        return include;
    }

    public void setInclude(List<String> include) {
        this.include = include;
    }

    public List<String> getExclude() {
        return exclude;
    }

    public void setExclude(List<String> exclude) {
        this.exclude = exclude;
    }
}
