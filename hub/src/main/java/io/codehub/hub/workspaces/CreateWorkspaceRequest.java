package io.codehub.hub.workspaces;

import java.util.List;
import java.util.Map;

import io.swagger.v3.oas.annotations.media.Schema;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import org.jspecify.annotations.Nullable;

/**
 * The body of {@code POST /api/v1/workspaces}. The instance fields are validated by the Agent API's
 * {@code InstanceSpec}, so the hub accepts exactly what an agent will.
 *
 * @param name            a name for people
 * @param image           the image its instance runs
 * @param command         command and arguments (default: the image's)
 * @param env             environment variables
 * @param port            the port it serves on (default 8080)
 * @param ports           additional container ports it serves on, each reachable like {@code port} (a dev
 *                        server, say); at most 16, distinct, other than {@code port} (default none)
 * @param imagePullPolicy {@code IfNotPresent} (default), {@code Always} or {@code Never}
 * @param agentId         the agent to put it on; chosen by placement when absent
 * @param region          the region its agent must be in
 * @param type            the backend type its agent must have, as registered (e.g. {@code docker},
 *                        {@code kubernetes})
 * @param labels          labels its agent must carry
 * @param owner           the subject who may open it through the gateway: an opaque id (1 to 256 characters,
 *                        no control characters) from the caller's identity system; without it, any subject
 *                        an access request names may
 */
public record CreateWorkspaceRequest(
        @NotBlank @Size(max = 128) String name,
        @NotBlank @Size(max = 512) String image,
        @Nullable List<String> command,
        @Nullable Map<String, String> env,
        @Nullable Integer port,
        @Nullable List<Integer> ports,
        @Nullable @Schema(allowableValues = {"IfNotPresent", "Always", "Never"}) String imagePullPolicy,
        @Nullable @Size(max = 128) String agentId,
        @Nullable @Size(max = 64) String region,
        @Nullable @Size(max = 32) String type,
        @Nullable Map<String, String> labels,
        @Nullable @Size(min = 1, max = 256) @Pattern(regexp = "\\P{Cc}*", message = "must not contain control characters")
        String owner) {
}
