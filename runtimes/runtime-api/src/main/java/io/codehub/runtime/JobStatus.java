package io.codehub.runtime;

import java.time.Instant;

import org.jspecify.annotations.Nullable;

/**
 * An archive or restore job: the body of {@code GET /jobs/{jobId}} and of the 202 answers of
 * {@code POST /jobs/archive} and {@code POST /jobs/restore}.
 *
 * @param jobId       the job's id
 * @param kind        archive or restore
 * @param state       pending, running, succeeded or failed
 * @param workspaceId the workspace whose volume is archived or restored
 * @param archiveKey  the archive written (archive) or read (restore)
 * @param bytes       size of the archive once known
 * @param sha256      hex SHA-256 of the archive once known
 * @param error       why the job failed, when it did
 * @param createdAt   when the job was accepted
 * @param finishedAt  when it ended
 */
public record JobStatus(String jobId, JobKind kind, JobState state, WorkspaceId workspaceId, ArchiveKey archiveKey,
        @Nullable Long bytes, @Nullable String sha256, @Nullable String error, Instant createdAt,
        @Nullable Instant finishedAt) {

    public JobStatus {
        java.util.Objects.requireNonNull(jobId, "jobId");
        java.util.Objects.requireNonNull(kind, "kind");
        java.util.Objects.requireNonNull(state, "state");
        java.util.Objects.requireNonNull(workspaceId, "workspaceId");
        java.util.Objects.requireNonNull(archiveKey, "archiveKey");
        java.util.Objects.requireNonNull(createdAt, "createdAt");
    }

    /** This job, now running. */
    public JobStatus running() {
        return new JobStatus(jobId, kind, JobState.RUNNING, workspaceId, archiveKey, bytes, sha256, null, createdAt, null);
    }

    /** This job, succeeded with an archive of {@code bytes} bytes and the given digest. */
    public JobStatus succeeded(long bytes, String sha256, Instant at) {
        return new JobStatus(jobId, kind, JobState.SUCCEEDED, workspaceId, archiveKey, bytes, sha256, null, createdAt, at);
    }

    /** This job, failed for {@code error}. */
    public JobStatus failed(String error, Instant at) {
        return new JobStatus(jobId, kind, JobState.FAILED, workspaceId, archiveKey, bytes, sha256, error, createdAt, at);
    }
}
