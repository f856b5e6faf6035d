package io.codehub.hub.agents;

import java.util.Map;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import org.jspecify.annotations.Nullable;

/**
 * The body of {@code POST /api/v1/agents}.
 *
 * @param name     a name for people
 * @param endpoint where the hub reaches the agent: {@code http://host:port}, {@code https://host:port}, or
 *                 {@code tunnel://} for an agent that dials in to the tunnel port (stored as {@code tunnel://<id>})
 * @param type     the agent's backend, e.g. {@code docker} or {@code kubernetes}
 * @param capacity how many workspaces the agent may hold
 * @param region   its region, optional
 * @param labels   its labels, optional
 * @param auth     what it must present on the tunnel port: {@code api-key} (default), {@code mtls} or
 *                 {@code api-key+mtls}
 */
public record RegisterAgentRequest(
        @NotBlank @Size(max = 128) String name,
        @NotBlank @Size(max = 2048) String endpoint,
        @NotBlank @Pattern(regexp = AgentRules.TYPE, message = "must be a lower-case word such as docker") String type,
        @NotNull @Min(0) @Max(AgentRules.MAX_CAPACITY) Integer capacity,
        @Nullable @Pattern(regexp = AgentRules.REGION, message = AgentRules.REGION_MESSAGE) String region,
        @Nullable Map<String, String> labels,
        @Nullable @Pattern(regexp = AgentRules.AUTH, message = AgentRules.AUTH_MESSAGE) String auth) {
}
