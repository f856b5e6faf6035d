package io.codehub.runtime;

/** The body of {@code POST /jobs/archive}: archive this workspace's volume. */
public record ArchiveRequest(WorkspaceId workspaceId) {

    public ArchiveRequest {
        if (workspaceId == null) {
            throw new InvalidSpecException(ProblemType.INVALID_SPEC, "workspaceId: missing");
        }
    }
}
