package io.codehub.runtime;

import com.fasterxml.jackson.annotation.JsonCreator;
import org.jspecify.annotations.Nullable;

/**
 * The body of {@code POST /jobs/restore}: replace this workspace's volume content with an archive.
 *
 * @param workspaceId the workspace
 * @param archiveKey  the archive to restore from
 * @param jobId       the id the caller gives the job, as {@link ArchiveRequest#jobId()} says
 */
public record RestoreRequest(WorkspaceId workspaceId, ArchiveKey archiveKey, @Nullable String jobId) {

    /** The constructor JSON binds to (the record's canonical one, not the shorter one below). */
    @JsonCreator
    public RestoreRequest {
        if (workspaceId == null) {
            throw new InvalidSpecException(ProblemType.INVALID_SPEC, "workspaceId: missing");
        }
        if (archiveKey == null) {
            throw new InvalidSpecException(ProblemType.INVALID_SPEC, "archiveKey: missing");
        }
        JobIds.checkRequested(jobId);
    }

    /** A request whose job id the agent picks. */
    public RestoreRequest(WorkspaceId workspaceId, ArchiveKey archiveKey) {
        this(workspaceId, archiveKey, null);
    }
}
