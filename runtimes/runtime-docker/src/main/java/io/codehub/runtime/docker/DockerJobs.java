package io.codehub.runtime.docker;

import java.time.Clock;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

import com.github.dockerjava.api.model.Mount;
import com.github.dockerjava.api.model.MountType;
import io.codehub.runtime.ArchiveKey;
import io.codehub.runtime.ArchiveRequest;
import io.codehub.runtime.JobKind;
import io.codehub.runtime.JobState;
import io.codehub.runtime.JobStatus;
import io.codehub.runtime.NotFoundException;
import io.codehub.runtime.ProblemType;
import io.codehub.runtime.RestoreRequest;
import io.codehub.runtime.WorkspaceId;
import io.codehub.runtime.docker.JobContainers.JobFailedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

/**
 * Archive and restore jobs. A start call checks what it can up front (the volume or the archive
 * exists, nothing uses the volume, no other job works on the workspace), records a pending job and
 * returns it; the work then runs in the background in a job container, and its outcome is read
 * with {@link #job(String)}.
 *
 * <p>Archive: {@code tar -czf} of the volume (mounted read-only) to a hidden partial file, renamed
 * into place once complete; then the runtime computes size and SHA-256 and writes the sidecar.
 * Restore: the archive is checked against its sidecar first, and only then is the volume emptied
 * and the archive extracted with permissions kept.
 */
final class DockerJobs {

    private static final Logger log = LoggerFactory.getLogger(DockerJobs.class);

    private final DockerCalls calls;
    private final DockerVolumes volumes;
    private final JobContainers containers;
    private final ArchiveFiles files;
    private final JobRegistry registry;
    private final Clock clock;

    DockerJobs(DockerCalls calls, DockerVolumes volumes, JobContainers containers, ArchiveFiles files,
            JobRegistry registry, Clock clock) {
        this.calls = calls;
        this.volumes = volumes;
        this.containers = containers;
        this.files = files;
        this.registry = registry;
        this.clock = clock;
    }

    Mono<JobStatus> startArchive(ArchiveRequest request) {
        WorkspaceId id = request.workspaceId();
        String volume = DockerNames.workspace(id);
        return volumes.inspect(volume)
                .filter(inspected -> DockerNames.isManaged(inspected.getLabels()))
                .switchIfEmpty(Mono.error(() -> new NotFoundException(ProblemType.VOLUME_NOT_FOUND,
                        "workspace " + id + " has no volume (no managed volume " + volume + ")")))
                .map(inspected -> {
                    ArchiveKey key = ArchiveFiles.newKey(id, clock.instant(), ThreadLocalRandom.current());
                    JobStatus job = pending(JobKind.ARCHIVE, id, key);
                    String partial = "/archive/." + key.value() + ".partial";
                    String script = "tar -czf " + partial + " -C /data . && mv " + partial + " /archive/" + key.value()
                            + " || { rc=$?; rm -f " + partial + "; exit $rc; }";
                    List<Mount> mounts = List.of(
                            new Mount().withType(MountType.VOLUME).withSource(volume).withTarget("/data").withReadOnly(true),
                            new Mount().withType(MountType.BIND).withSource(archiveDir()).withTarget("/archive"));
                    launch(job, containers.run(job.jobId(), id, mounts, script)
                            .then(calls.blocking(() -> {
                                ArchiveFiles.Digest digest = files.digest(key);
                                files.writeSidecar(key, digest.sha256());
                                return digest;
                            }))
                            .doOnError(error -> deletePartial(key)));
                    return job;
                });
    }

    Mono<JobStatus> startRestore(RestoreRequest request) {
        WorkspaceId id = request.workspaceId();
        ArchiveKey key = request.archiveKey();
        String volume = DockerNames.workspace(id);
        return calls.blocking(() -> files.exists(key))
                .flatMap(exists -> exists ? volumes.inspect(volume)
                        : Mono.error(new NotFoundException(ProblemType.ARCHIVE_NOT_FOUND,
                                "archive " + key + " is not in the archive store")))
                .doOnNext(inspected -> DockerVolumes.requireManaged(volume, inspected.getLabels(), "volume"))
                .then(volumes.requireUnused(volume))
                .then(Mono.fromCallable(() -> {
                    JobStatus job = pending(JobKind.RESTORE, id, key);
                    String script = "find /data -mindepth 1 -maxdepth 1 -exec rm -rf {} + && tar -xzpf /archive/"
                            + key.value() + " -C /data";
                    List<Mount> mounts = List.of(
                            new Mount().withType(MountType.VOLUME).withSource(volume).withTarget("/data"),
                            new Mount().withType(MountType.BIND).withSource(archiveDir()).withTarget("/archive")
                                    .withReadOnly(true));
                    launch(job, calls.blocking(() -> verified(key))
                            .flatMap(digest -> volumes.create(id)
                                    .then(volumes.requireUnused(volume))
                                    .then(containers.run(job.jobId(), id, mounts, script))
                                    .thenReturn(digest)));
                    return job;
                }));
    }

    Mono<JobStatus> job(String jobId) {
        return Mono.fromCallable(() -> {
            JobStatus job = registry.get(jobId);
            if (job == null) {
                throw new NotFoundException(ProblemType.JOB_NOT_FOUND, "job " + (jobId.length() > 80
                        ? jobId.substring(0, 80) + "..." : jobId) + " is not known to this agent");
            }
            return job;
        });
    }

    /** Registers the job (refused while another job works on the workspace). */
    private JobStatus pending(JobKind kind, WorkspaceId id, ArchiveKey key) {
        JobStatus job = new JobStatus(UUID.randomUUID().toString(), kind, JobState.PENDING, id, key, null, null, null,
                clock.instant(), null);
        registry.register(job);
        log.info("{} job {} accepted for workspace {} ({})", kind.wire(), job.jobId(), id, key);
        return job;
    }

    /** Runs the job's work in the background and records its outcome. */
    private void launch(JobStatus job, Mono<ArchiveFiles.Digest> work) {
        JobStatus running = job.running();
        Mono.fromRunnable(() -> registry.update(running))
                .then(work)
                .map(digest -> running.succeeded(digest.bytes(), digest.sha256(), clock.instant()))
                .onErrorResume(error -> Mono.just(running.failed(JobContainers.reason(error), clock.instant())))
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

    /** The archive's digest, once it matches the sidecar written when it was archived. */
    private ArchiveFiles.Digest verified(ArchiveKey key) throws java.io.IOException {
        String expected = files.expectedSha256(key);
        ArchiveFiles.Digest digest = files.digest(key);
        if (expected == null || !expected.equals(digest.sha256())) {
            throw new JobFailedException("checksum mismatch: expected " + (expected == null
                    ? "the digest in " + key + ".sha256, which is missing or malformed" : expected)
                    + ", archive has " + digest.sha256());
        }
        return digest;
    }

    private void deletePartial(ArchiveKey key) {
        try {
            files.deletePartial(key);
        } catch (java.io.IOException e) {
            log.warn("removing the partial archive of {} failed: {}", key, e.toString());
        }
    }

    private String archiveDir() {
        return calls.config().archiveDir().toString();
    }
}
