package io.codehub.runtime;

import java.time.Instant;
import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * A workspace instance as the runtime sees it: the body of {@code GET /instances/{id}/status}
 * and of {@code POST /instances/{id}/start}, and the items of {@code GET /instances}.
 *
 * @param workspaceId the workspace
 * @param state       its state
 * @param image       the image it runs, when it exists
 * @param reason      why it is in {@code error} or {@code exited}, when known
 * @param startedAt   when it last started, when known
 * @param port        the container port it serves on (its spec's {@code port}), when it exists
 * @param ports       the additional container ports it exposes (its spec's {@code ports}); empty when it
 *                    does not exist. With {@code port}, exactly the ports
 *                    {@link Runtime#upstream(WorkspaceId, int)} answers for.
 */
public record InstanceStatus(WorkspaceId workspaceId, InstanceState state, @Nullable String image,
        @Nullable String reason, @Nullable Instant startedAt, @Nullable Integer port, List<Integer> ports) {

    public InstanceStatus {
        java.util.Objects.requireNonNull(workspaceId, "workspaceId");
        java.util.Objects.requireNonNull(state, "state");
        // Absent in the JSON of an agent older than the field: no additional ports.
        ports = ports == null ? List.of() : List.copyOf(ports);
    }

    /** The status of a workspace that has no instance. */
    public static InstanceStatus missing(WorkspaceId workspaceId) {
        return new InstanceStatus(workspaceId, InstanceState.MISSING, null, null, null, null, List.of());
    }
}
