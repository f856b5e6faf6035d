package io.codehub.hub.agents;

import java.util.Map;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import org.jspecify.annotations.Nullable;

/**
 * The body of {@code PATCH /api/v1/agents/{id}}: every field is optional, an absent one is left as
 * it is. {@code labels} replaces the whole set; {@code region: ""} removes the region.
 *
 * @param endpoint new endpoint
 * @param capacity new capacity (below the current load, it only stops new placements)
 * @param labels   new labels
 * @param region   new region
 * @param status   {@code active} or {@code inactive}
 * @param auth     {@code api-key}, {@code mtls} or {@code api-key+mtls}
 */
public record UpdateAgentRequest(
        @Nullable @Size(min = 1, max = 2048) String endpoint,
        @Nullable @Min(0) @Max(AgentRules.MAX_CAPACITY) Integer capacity,
        @Nullable Map<String, String> labels,
        @Nullable @Pattern(regexp = "|" + AgentRules.REGION, message = AgentRules.REGION_MESSAGE) String region,
        @Nullable @Pattern(regexp = "active|inactive", message = "must be active or inactive") String status,
        @Nullable @Pattern(regexp = AgentRules.AUTH, message = AgentRules.AUTH_MESSAGE) String auth) {
}
