package io.codehub.hub.workspaces;

import java.time.Instant;

import io.codehub.runtime.ArchiveKey;
import io.codehub.runtime.InstanceSpec;
import io.codehub.runtime.WorkspaceId;
import org.jspecify.annotations.Nullable;

/**
 * A workspace as the hub stores it: one row of {@code workspaces}.
 *
 * @param id            its id (a UUID, also a valid Agent API workspace id)
 * @param name          a name for people
 * @param owner         the subject (an opaque id from the caller's identity system) who may open it through
 *                      the gateway, or null when any subject the API names may
 * @param agentId       the agent it lives on, for its whole life
 * @param spec          what its instance runs
 * @param desired       what the API last asked for
 * @param observed      where the reconciler last saw it
 * @param reason        why it is in {@code ERROR}, or why the last attempt of the current step failed
 * @param archiveKey    its last archive on the agent
 * @param jobId         the agent's archive or restore job in flight
 * @param attempts      failed attempts of the current step
 * @param nextAttemptAt when the reconciler looks at it next (null: now)
 * @param createdAt     when it was created
 * @param updatedAt     when its row last changed
 * @param version       optimistic lock: every update checks and increments it
 */
public record Workspace(
        String id,
        String name,
        @Nullable String owner,
        String agentId,
        InstanceSpec spec,
        DesiredState desired,
        ObservedState observed,
        @Nullable String reason,
        @Nullable ArchiveKey archiveKey,
        @Nullable String jobId,
        int attempts,
        @Nullable Instant nextAttemptAt,
        Instant createdAt,
        Instant updatedAt,
        long version) {

    /** The id as the Agent API takes it. */
    public WorkspaceId workspaceId() {
        return WorkspaceId.of(id);
    }

    /**
     * Its generation: {@code createdAt} in epoch milliseconds (of a workspace as read from the
     * database, whose timestamps keep microseconds). Gateway sessions carry it, so a session dies
     * with the workspace even if a new workspace ever got the same id.
     */
    public long generation() {
        return createdAt.toEpochMilli();
    }

    /** Whether observed already is what is desired. */
    public boolean settled() {
        return observed.satisfies(desired);
    }

    /** This workspace with a new desired state. */
    public Workspace withDesired(DesiredState state) {
        return new Workspace(id, name, owner, agentId, spec, state, observed, reason, archiveKey, jobId, attempts,
                nextAttemptAt, createdAt, updatedAt, version);
    }

    /** This workspace, having moved to {@code state}: the step's failures and schedule are reset. */
    public Workspace moveTo(ObservedState state) {
        return new Workspace(id, name, owner, agentId, spec, desired, state, null, archiveKey, jobId, 0, null,
                createdAt, updatedAt, version);
    }

    /** This workspace, to be worked on at once with a fresh count of attempts. */
    public Workspace retryNow() {
        return new Workspace(id, name, owner, agentId, spec, desired, observed, null, archiveKey, jobId, 0, null,
                createdAt, updatedAt, version);
    }

    /** This workspace with a job in flight (or none). */
    public Workspace withJob(@Nullable String job) {
        return new Workspace(id, name, owner, agentId, spec, desired, observed, reason, archiveKey, job, attempts,
                nextAttemptAt, createdAt, updatedAt, version);
    }

    /** This workspace with its last archive. */
    public Workspace withArchiveKey(@Nullable ArchiveKey key) {
        return new Workspace(id, name, owner, agentId, spec, desired, observed, reason, key, jobId, attempts,
                nextAttemptAt, createdAt, updatedAt, version);
    }

    /** This workspace after a failed attempt. */
    public Workspace withFailure(ObservedState state, String why, int failedAttempts, @Nullable Instant next) {
        return new Workspace(id, name, owner, agentId, spec, desired, state, why, archiveKey, jobId, failedAttempts,
                next, createdAt, updatedAt, version);
    }

    /** This workspace, to be looked at again at {@code next}. */
    public Workspace withNextAttemptAt(@Nullable Instant next) {
        return new Workspace(id, name, owner, agentId, spec, desired, observed, reason, archiveKey, jobId, attempts,
                next, createdAt, updatedAt, version);
    }

    /** This workspace as saved at {@code now} with {@code newVersion}. */
    Workspace saved(Instant now, long newVersion) {
        return new Workspace(id, name, owner, agentId, spec, desired, observed, reason, archiveKey, jobId, attempts,
                nextAttemptAt, createdAt, now, newVersion);
    }
}
