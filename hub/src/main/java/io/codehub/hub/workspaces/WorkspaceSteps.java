package io.codehub.hub.workspaces;

import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

import io.codehub.runtime.ArchiveKey;
import io.codehub.runtime.ArchiveRequest;
import io.codehub.runtime.ConflictException;
import io.codehub.runtime.InstanceStatus;
import io.codehub.runtime.JobIds;
import io.codehub.runtime.JobStatus;
import io.codehub.runtime.NotFoundException;
import io.codehub.runtime.ProblemType;
import io.codehub.runtime.RestoreRequest;
import io.codehub.runtime.Runtime;
import io.codehub.runtime.WorkspaceId;
import reactor.core.publisher.Mono;

/**
 * The state machine of a workspace: given where it is (observed) and where it should be (desired),
 * the one next step and the Runtime calls it takes. Every call is idempotent or guarded by a stored
 * job id, so a step repeated after a crash or a lost answer is harmless.
 *
 * <pre>
 *                 ┌───────────── start ─────────────┐
 *   PENDING ──► STOPPED ──► STARTING ──► RUNNING ──► STOPPING ──► STOPPED
 *     (look)      │  ▲                                             │
 *                 │  └──── RESTORING ◄── ARCHIVED ◄── ARCHIVING ◄──┘ (archive)
 *   any ──► DELETING ──► (removed)          any step failing N times ──► ERROR ──(new request)──► PENDING
 * </pre>
 */
final class WorkspaceSteps {

    /** The next step for {@code workspace} on {@code runtime}; runtime failures come back as errors. */
    Mono<StepOutcome> next(Workspace workspace, Runtime runtime) {
        WorkspaceId id = workspace.workspaceId();
        DesiredState desired = workspace.desired();
        return switch (workspace.observed()) {
            case ERROR -> Mono.just(new StepOutcome.Settled());
            case PENDING -> observe(workspace, runtime, id);
            case RUNNING -> switch (desired) {
                case RUNNING -> settled();
                case STOPPED, ARCHIVED -> advance(workspace, ObservedState.STOPPING);
                case DELETED -> advance(workspace, ObservedState.DELETING);
            };
            case STOPPED -> switch (desired) {
                case RUNNING -> advance(workspace, ObservedState.STARTING);
                case STOPPED -> settled();
                case ARCHIVED -> advance(workspace, ObservedState.ARCHIVING);
                case DELETED -> advance(workspace, ObservedState.DELETING);
            };
            case ARCHIVED -> switch (desired) {
                case RUNNING, STOPPED -> advance(workspace, ObservedState.RESTORING);
                case ARCHIVED -> settled();
                case DELETED -> advance(workspace, ObservedState.DELETING);
            };
            case STARTING -> start(workspace, runtime, id);
            case STOPPING -> runtime.deleteInstance(id).then(Mono.defer(() ->
                    advance(workspace, desired == DesiredState.DELETED ? ObservedState.DELETING : ObservedState.STOPPED)));
            case ARCHIVING -> archive(workspace, runtime, id);
            case RESTORING -> restore(workspace, runtime, id);
            case DELETING -> delete(workspace, runtime, id);
        };
    }

    /** PENDING: find out what exists on the agent and continue from there. */
    private Mono<StepOutcome> observe(Workspace workspace, Runtime runtime, WorkspaceId id) {
        if (workspace.desired() == DesiredState.DELETED) {
            return advance(workspace, ObservedState.DELETING);
        }
        return runtime.instanceStatus(id).flatMap(status -> switch (status.state()) {
            case RUNNING -> advance(workspace, ObservedState.RUNNING);
            case CREATING -> advance(workspace, ObservedState.STARTING);
            case EXITED, ERROR -> advance(workspace, ObservedState.STOPPING);
            case MISSING -> runtime.volumeExists(id).flatMap(exists -> {
                if (exists) {
                    return advance(workspace, ObservedState.STOPPED);
                }
                if (workspace.archiveKey() != null) {
                    return advance(workspace, ObservedState.ARCHIVED);
                }
                return runtime.createVolume(id).then(Mono.defer(() -> advance(workspace, ObservedState.STOPPED)));
            });
        });
    }

    private Mono<StepOutcome> start(Workspace workspace, Runtime runtime, WorkspaceId id) {
        if (workspace.desired() != DesiredState.RUNNING) {
            return advance(workspace, workspace.desired() == DesiredState.DELETED ? ObservedState.DELETING
                    : ObservedState.STOPPING);
        }
        return runtime.startInstance(id, workspace.spec()).flatMap(status -> switch (status.state()) {
            case RUNNING -> advance(workspace, ObservedState.RUNNING);
            case CREATING, MISSING -> waiting(workspace);
            case EXITED, ERROR -> Mono.just(new StepOutcome.Failed(workspace, describe(status)));
        });
    }

    private Mono<StepOutcome> archive(Workspace workspace, Runtime runtime, WorkspaceId id) {
        if (workspace.jobId() == null) {
            if (workspace.desired() != DesiredState.ARCHIVED) {
                return advance(workspace, ObservedState.STOPPED); // nothing started: the volume is as it was
            }
            return named(workspace);
        }
        return job(workspace, runtime).flatMap(found -> {
            if (found.isEmpty()) {
                // Not started yet, or the agent forgot it (it restarted): start it under its recorded id,
                // unless the archive is no longer wanted (the volume is as it was).
                return workspace.desired() != DesiredState.ARCHIVED
                        ? advance(workspace.withJob(null), ObservedState.STOPPED)
                        : started(workspace, runtime.startArchive(new ArchiveRequest(id, workspace.jobId())));
            }
            JobStatus job = found.get();
            return switch (job.state()) {
                case PENDING, RUNNING -> waiting(workspace);
                case FAILED -> failedJob(workspace, job);
                case SUCCEEDED -> {
                    Workspace archived = workspace.withJob(null).withArchiveKey(job.archiveKey());
                    yield workspace.desired() == DesiredState.ARCHIVED
                            ? runtime.deleteVolume(id).then(Mono.defer(() -> advance(archived, ObservedState.ARCHIVED)))
                            : advance(archived, ObservedState.STOPPED);
                }
            };
        });
    }

    private Mono<StepOutcome> restore(Workspace workspace, Runtime runtime, WorkspaceId id) {
        if (workspace.jobId() == null) {
            if (workspace.desired() == DesiredState.ARCHIVED) {
                return advance(workspace, ObservedState.ARCHIVED);
            }
            if (workspace.desired() == DesiredState.DELETED) {
                return advance(workspace, ObservedState.DELETING);
            }
            if (workspace.archiveKey() == null) {
                return Mono.just(new StepOutcome.Failed(workspace, "there is no archive to restore from"));
            }
            return named(workspace);
        }
        return job(workspace, runtime).flatMap(found -> {
            if (found.isEmpty()) {
                // Not started yet, or the agent forgot it: start it under its recorded id, unless the
                // restore is no longer wanted.
                if (workspace.desired() == DesiredState.ARCHIVED || workspace.desired() == DesiredState.DELETED) {
                    return restore(workspace.withJob(null), runtime, id);
                }
                ArchiveKey archiveKey = Objects.requireNonNull(workspace.archiveKey(), "archiveKey");
                return started(workspace, runtime.startRestore(new RestoreRequest(id, archiveKey, workspace.jobId())));
            }
            JobStatus job = found.get();
            return switch (job.state()) {
                case PENDING, RUNNING -> waiting(workspace);
                case FAILED -> failedJob(workspace, job);
                case SUCCEEDED -> advance(workspace.withJob(null), ObservedState.STOPPED);
            };
        });
    }

    private Mono<StepOutcome> delete(Workspace workspace, Runtime runtime, WorkspaceId id) {
        if (workspace.jobId() != null) {
            // Let an archive or restore in flight end first: the agent refuses to delete a volume in use.
            return job(workspace, runtime).flatMap(job -> job.isPresent() && !job.get().state().isTerminal()
                    ? waiting(workspace)
                    : advance(workspace.withJob(null), ObservedState.DELETING));
        }
        return runtime.deleteInstance(id)
                .then(runtime.deleteVolume(id))
                .then(Mono.fromSupplier(() -> new StepOutcome.Removed(workspace)));
    }

    /**
     * The first half of starting a job: its id, chosen here and saved before the agent hears of it
     * (the next step, at once, starts it under that id). Were the id only learnt from the agent's
     * answer, a database failure between that answer and its record would start a second job at the
     * next attempt: a second archive of the same volume.
     */
    private static Mono<StepOutcome> named(Workspace workspace) {
        return Mono.just(new StepOutcome.Advanced(workspace.withJob(JobIds.random())));
    }

    /**
     * The second half: the job asked for under its recorded id (asking again is harmless: the agent
     * answers the job that id names). A job of the workspace's that is not this one (started by
     * someone else) is waited out.
     */
    private static Mono<StepOutcome> started(Workspace workspace, Mono<JobStatus> start) {
        return start.flatMap(job -> waiting(job.jobId().equals(workspace.jobId()) ? workspace
                        : workspace.withJob(job.jobId())))
                .onErrorResume(ConflictException.class, e -> e.type() == ProblemType.JOB_IN_PROGRESS
                        ? waiting(workspace) : Mono.error(e));
    }

    /** The job in flight; empty when the agent does not know it (e.g. it lost its job table in a restart). */
    private static Mono<Optional<JobStatus>> job(Workspace workspace, Runtime runtime) {
        String jobId = Objects.requireNonNull(workspace.jobId(), "jobId");
        return runtime.job(jobId).map(Optional::of)
                .onErrorResume(NotFoundException.class, e -> Mono.just(Optional.empty()));
    }

    private static Mono<StepOutcome> failedJob(Workspace workspace, JobStatus job) {
        // Forget the failed job, so that the next attempt starts a new one.
        return Mono.just(new StepOutcome.Failed(workspace.withJob(null),
                job.kind().name().toLowerCase(Locale.ROOT) + " job " + job.jobId() + " failed: " + job.error()));
    }

    private static String describe(InstanceStatus status) {
        return "instance is " + status.state().wire() + (status.reason() == null ? "" : ": " + status.reason());
    }

    private static Mono<StepOutcome> advance(Workspace workspace, ObservedState state) {
        return Mono.just(new StepOutcome.Advanced(workspace.moveTo(state)));
    }

    private static Mono<StepOutcome> waiting(Workspace workspace) {
        return Mono.just(new StepOutcome.Waiting(workspace));
    }

    private static Mono<StepOutcome> settled() {
        return Mono.just(new StepOutcome.Settled());
    }
}
