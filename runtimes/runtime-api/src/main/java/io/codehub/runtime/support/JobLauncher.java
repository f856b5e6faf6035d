package io.codehub.runtime.support;

import java.time.Clock;
import java.util.UUID;

import io.codehub.runtime.ArchiveKey;
import io.codehub.runtime.JobKind;
import io.codehub.runtime.JobState;
import io.codehub.runtime.JobStatus;
import io.codehub.runtime.RuntimeProblemException;
import io.codehub.runtime.WorkspaceId;
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
        JobStatus job = new JobStatus(UUID.randomUUID().toString(), kind, JobState.PENDING, id, key, null, null, null,
                clock.instant(), null);
        registry.register(job);
        log.info("{} job {} accepted for workspace {} ({})", kind.wire(), job.jobId(), id, key);
        return job;
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
