package io.codehub.runtime;

import com.fasterxml.jackson.annotation.JsonCreator;
import org.jspecify.annotations.Nullable;

/**
 * The body of {@code POST /jobs/archive}: archive this workspace's volume.
 *
 * @param workspaceId the workspace
 * @param jobId       the id the caller gives the job (a UUID), or {@code null} for one the agent
 *                    picks; asking again with the same id answers the job it names instead of
 *                    starting another, so a caller that lost the answer (or its record of it) asks
 *                    again without archiving twice
 */
public record ArchiveRequest(WorkspaceId workspaceId, @Nullable String jobId) {

    /** The constructor JSON binds to (the record's canonical one, not the shorter one below). */
    @JsonCreator
    public ArchiveRequest {
        if (workspaceId == null) {
            throw new InvalidSpecException(ProblemType.INVALID_SPEC, "workspaceId: missing");
        }
        JobIds.checkRequested(jobId);
    }

    /** A request whose job id the agent picks. */
    public ArchiveRequest(WorkspaceId workspaceId) {
        this(workspaceId, null);
    }
}
