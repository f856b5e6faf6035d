package io.codehub.runtime;

/** The body of {@code POST /jobs/restore}: replace this workspace's volume content with an archive. */
public record RestoreRequest(WorkspaceId workspaceId, ArchiveKey archiveKey) {

    public RestoreRequest {
        if (workspaceId == null) {
            throw new InvalidSpecException(ProblemType.INVALID_SPEC, "workspaceId: missing");
        }
        if (archiveKey == null) {
            throw new InvalidSpecException(ProblemType.INVALID_SPEC, "archiveKey: missing");
        }
    }
}
