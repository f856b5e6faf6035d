package io.codehub.runtime;

import java.time.Instant;

import org.jspecify.annotations.Nullable;

/**
 * A managed workspace volume: the body of {@code POST /volumes/{id}} and the items of
 * {@code GET /volumes}.
 *
 * @param workspaceId the workspace it belongs to
 * @param name        the backend's name for it, e.g. {@code codehub-ws-<id>}
 * @param createdAt   when it was created, when the backend says
 */
public record VolumeInfo(WorkspaceId workspaceId, String name, @Nullable Instant createdAt) {

    public VolumeInfo {
        java.util.Objects.requireNonNull(workspaceId, "workspaceId");
        java.util.Objects.requireNonNull(name, "name");
    }
}
