package io.codehub.runtime;

import java.time.Instant;

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
 */
public record InstanceStatus(WorkspaceId workspaceId, InstanceState state, @Nullable String image,
        @Nullable String reason, @Nullable Instant startedAt) {

    public InstanceStatus {
        java.util.Objects.requireNonNull(workspaceId, "workspaceId");
        java.util.Objects.requireNonNull(state, "state");
    }

    /** The status of a workspace that has no instance. */
    public static InstanceStatus missing(WorkspaceId workspaceId) {
        return new InstanceStatus(workspaceId, InstanceState.MISSING, null, null, null);
    }
}
