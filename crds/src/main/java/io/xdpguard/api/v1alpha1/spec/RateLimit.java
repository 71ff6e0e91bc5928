package io.xdpguard.api.v1alpha1.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;

/** A token bucket: refills at packetsPerSecond, holds at most burst packets. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RateLimit {
    @Required
    @Min(1)
    @Max(100_000_000)
    @JsonPropertyDescription("Sustained rate in packets per second.")
    private Long packetsPerSecond;

    @Required
    @Min(1)
    @Max(100_000_000)
    @JsonPropertyDescription("Bucket size: packets that may pass at once after a quiet period.")
    private Long burst;

    @Default("Rule")
    @JsonPropertyDescription("Source: one bucket per source address; Rule: one bucket for the whole rule, per interface.")
    private RateLimitScope per;

    public RateLimit() {
    }

    public RateLimit(Long packetsPerSecond, Long burst, RateLimitScope per) {
        this.packetsPerSecond = packetsPerSecond;
        this.burst = burst;
        this.per = per;
    }

    public Long getPacketsPerSecond() {
        return packetsPerSecond;
    }

    public void setPacketsPerSecond(Long packetsPerSecond) {
        this.packetsPerSecond = packetsPerSecond;
    }

    public Long getBurst() {
        return burst;
    }

    public void setBurst(Long burst) {
        this.burst = burst;
    }

    public RateLimitScope getPer() {
        return per;
    }

    public void setPer(RateLimitScope per) {
        this.per = per;
    }

    /** The scope, with the API default applied. */
    public RateLimitScope effectivePer() {
        return per == null ? RateLimitScope.Rule : per;
    }
}
