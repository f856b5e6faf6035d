package io.codehub.runtime.support;

import java.time.Clock;
import java.util.function.Supplier;

import io.codehub.runtime.ArchiveKey;
import io.codehub.runtime.ConflictException;
import io.codehub.runtime.JobIds;
import io.codehub.runtime.JobKind;
import io.codehub.runtime.JobState;
import io.codehub.runtime.JobStatus;
import io.codehub.runtime.ProblemType;
import io.codehub.runtime.RuntimeProblemException;
import io.codehub.runtime.WorkspaceId;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

/**
 * The lifecycle every archive and restore job goes through, whatever runs it: accepted as a
 * pending job in the {@link JobRegistry} (refused while another job works on the workspace), then
 * running in the background, then succeeded with the {@link ArchiveDigest} its work produced or
 * failed with the reason its work failed. How the work runs (a container, a Kubernetes Job) is the
 * runtime's business.
 *
 * <p>For {@code Runtime} implementations.
 */
public final class JobLauncher {

    private static final Logger log = LoggerFactory.getLogger(JobLauncher.class);

    private final JobRegistry registry;
    private final Clock clock;

    public JobLauncher(JobRegistry registry, Clock clock) {
        this.registry = registry;
        this.clock = clock;
    }

    /** The registry jobs are recorded in. */
    public JobRegistry registry() {
        return registry;
    }

    /**
     * Registers a new pending job with a random id.
     *
     * @throws io.codehub.runtime.ConflictException while another job works on the workspace
     */
    public JobStatus accept(JobKind kind, WorkspaceId id, ArchiveKey key) {
        return accept(kind, id, key, null);
    }

    /**
     * Registers a new pending job with the id the caller asked for ({@code null}: a random one).
     *
     * @throws io.codehub.runtime.ConflictException while another job works on the workspace, or
     *         when the id already names a job
     */
    public JobStatus accept(JobKind kind, WorkspaceId id, ArchiveKey key, @Nullable String jobId) {
        JobStatus job = new JobStatus(jobId == null ? JobIds.random() : jobId, kind, JobState.PENDING, id, key, null,
                null, null, clock.instant(), null);
        registry.register(job);
        log.info("{} job {} accepted for workspace {} ({})", kind.wire(), job.jobId(), id, key);
        return job;
    }

    /**
     * Starts a job once per requested id: when {@code jobId} already names a job of this kind and
     * workspace (a repeated request), answers that job as it is now and starts nothing; otherwise
     * (a new id, or none) subscribes to {@code start}.
     *
     * @throws io.codehub.runtime.ConflictException (as an error signal) when {@code jobId} names a
     *         job of another kind or workspace
     */
    public Mono<JobStatus> once(JobKind kind, WorkspaceId id, @Nullable String jobId, Supplier<Mono<JobStatus>> start) {
        return Mono.defer(() -> {
            JobStatus named = jobId == null ? null : registry.get(jobId);
            if (named == null) {
                return start.get();
            }
            if (named.kind() != kind || !named.workspaceId().equals(id)) {
                return Mono.error(new ConflictException(ProblemType.JOB_ID_IN_USE, "job id " + jobId
                        + " already names the " + named.kind().wire() + " job of workspace " + named.workspaceId()));
            }
            log.info("{} job {} for workspace {} asked for again: answering it as it is ({})", kind.wire(), jobId, id,
                    named.state().wire());
            return Mono.just(named);
        });
    }

    /**
     * Marks the accepted {@code job} running, subscribes to {@code work} in the background and records
     * its outcome: succeeded with the digest, or failed with {@link #reason(Throwable)}.
     */
    public void launch(JobStatus job, Mono<ArchiveDigest> work) {
        JobStatus running = job.running();
        Mono.fromRunnable(() -> registry.update(running))
                .then(work)
                .map(digest -> running.succeeded(digest.bytes(), digest.sha256(), clock.instant()))
                .onErrorResume(error -> Mono.just(running.failed(reason(error), clock.instant())))
                .subscribe(done -> {
                    registry.update(done);
                    if (done.state() == JobState.SUCCEEDED) {
                        log.info("{} job {} for workspace {} succeeded: {} ({} bytes, sha256 {})", done.kind().wire(),
                                done.jobId(), done.workspaceId(), done.archiveKey(), done.bytes(), done.sha256());
                    } else {
                        log.warn("{} job {} for workspace {} failed: {}", done.kind().wire(), done.jobId(),
                                done.workspaceId(), done.error());
                    }
                });
    }

    /** What a job's or a health check's failure is reported as: a problem's detail, else the message. */
    public static String reason(Throwable error) {
        return error instanceof RuntimeProblemException problem ? problem.detail() : String.valueOf(error.getMessage());
    }
}
