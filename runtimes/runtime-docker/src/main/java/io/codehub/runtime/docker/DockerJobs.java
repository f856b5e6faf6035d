package io.codehub.runtime.docker;

import java.io.IOException;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import com.github.dockerjava.api.model.Mount;
import com.github.dockerjava.api.model.MountType;
import io.codehub.base.Causes;
import io.codehub.runtime.ArchiveKey;
import io.codehub.runtime.ArchiveRequest;
import io.codehub.runtime.JobKind;
import io.codehub.runtime.JobStatus;
import io.codehub.runtime.NotFoundException;
import io.codehub.runtime.ProblemType;
import io.codehub.runtime.RestoreRequest;
import io.codehub.runtime.WorkspaceId;
import io.codehub.runtime.support.ArchiveDigest;
import io.codehub.runtime.support.JobFailedException;
import io.codehub.runtime.support.JobLauncher;
import io.codehub.runtime.support.JobRegistry;
import io.codehub.runtime.support.ManagedNames;
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
    /** How the job container's tar and the JVM both word ENOSPC. */
    private static final String NO_SPACE = "No space left on device";

    private final DockerCalls calls;
    private final DockerVolumes volumes;
    private final JobContainers containers;
    private final ArchiveFiles files;
    private final JobLauncher launcher;
    private final Clock clock;

    DockerJobs(DockerCalls calls, DockerVolumes volumes, JobContainers containers, ArchiveFiles files,
            JobRegistry registry, Clock clock) {
        this.calls = calls;
        this.volumes = volumes;
        this.containers = containers;
        this.files = files;
        this.launcher = new JobLauncher(registry, clock);
        this.clock = clock;
    }

    Mono<JobStatus> startArchive(ArchiveRequest request) {
        WorkspaceId id = request.workspaceId();
        String volume = ManagedNames.workspace(id);
        return launcher.once(JobKind.ARCHIVE, id, request.jobId(), () -> volumes.inspect(volume)
                .filter(inspected -> ManagedNames.isManaged(inspected.getLabels()))
                .switchIfEmpty(Mono.error(() -> new NotFoundException(ProblemType.VOLUME_NOT_FOUND,
                        "workspace " + id + " has no volume (no managed volume " + volume + ")")))
                .map(inspected -> {
                    ArchiveKey key = ManagedNames.newArchiveKey(id, clock.instant(), ThreadLocalRandom.current());
                    JobStatus job = launcher.accept(JobKind.ARCHIVE, id, key, request.jobId());
                    String partial = "/archive/." + key.value() + ".partial";
                    String script = "tar -czf " + partial + " -C /data . && mv " + partial + " /archive/" + key.value()
                            + " || { rc=$?; rm -f " + partial + "; exit $rc; }";
                    List<Mount> mounts = List.of(
                            new Mount().withType(MountType.VOLUME).withSource(volume).withTarget("/data").withReadOnly(true),
                            new Mount().withType(MountType.BIND).withSource(archiveDir()).withTarget("/archive"));
                    launcher.launch(job, containers.run(job.jobId(), id, mounts, script)
                            .onErrorMap(error -> whenStoreFull(error, "writing the archive"))
                            .then(calls.blocking(() -> {
                                ArchiveDigest digest = files.digest(key);
                                files.writeSidecar(key, digest.sha256());
                                return digest;
                            }).onErrorMap(error -> whenStoreFull(error, "writing the checksum sidecar")))
                            .doOnError(error -> discard(key)));
                    return job;
                }));
    }

    Mono<JobStatus> startRestore(RestoreRequest request) {
        WorkspaceId id = request.workspaceId();
        ArchiveKey key = request.archiveKey();
        String volume = ManagedNames.workspace(id);
        return launcher.once(JobKind.RESTORE, id, request.jobId(), () -> calls.blocking(() -> files.exists(key))
                .flatMap(exists -> exists ? volumes.inspect(volume)
                        : Mono.error(new NotFoundException(ProblemType.ARCHIVE_NOT_FOUND,
                                "archive " + key + " is not in the archive store")))
                .doOnNext(inspected -> DockerVolumes.requireManaged(volume, inspected.getLabels(), "volume"))
                .then(volumes.requireUnused(volume))
                .then(Mono.fromCallable(() -> {
                    JobStatus job = launcher.accept(JobKind.RESTORE, id, key, request.jobId());
                    String script = "find /data -mindepth 1 -maxdepth 1 -exec rm -rf {} + && tar -xzpf /archive/"
                            + key.value() + " -C /data";
                    List<Mount> mounts = List.of(
                            new Mount().withType(MountType.VOLUME).withSource(volume).withTarget("/data"),
                            new Mount().withType(MountType.BIND).withSource(archiveDir()).withTarget("/archive")
                                    .withReadOnly(true));
                    launcher.launch(job, calls.blocking(() -> verified(key))
                            .flatMap(digest -> volumes.create(id)
                                    .then(volumes.requireUnused(volume))
                                    .then(containers.run(job.jobId(), id, mounts, script))
                                    .thenReturn(digest)));
                    return job;
                })));
    }

    Mono<JobStatus> job(String jobId) {
        return Mono.fromCallable(() -> launcher.registry().require(jobId));
    }

    /** The archive's digest, once it matches the sidecar written when it was archived. */
    private ArchiveDigest verified(ArchiveKey key) throws java.io.IOException {
        String expected = files.expectedSha256(key);
        ArchiveDigest digest = files.digest(key);
        if (expected == null || !expected.equals(digest.sha256())) {
            throw new JobFailedException("checksum mismatch: expected " + (expected == null
                    ? "the digest in " + key + ".sha256, which is missing or malformed" : expected)
                    + ", archive has " + digest.sha256());
        }
        return digest;
    }

    /**
     * Removes whatever a failed archive job wrote under its (new, unique) key: the partial file, and
     * an archive whose sidecar could not be written, which no restore would ever accept.
     */
    private void discard(ArchiveKey key) {
        try {
            files.discard(key);
        } catch (IOException e) {
            log.warn("removing what the failed archive job of {} wrote failed: {}", key, e.toString());
        }
    }

    /** {@code error}, reworded to name the archive store when it is out of space (ENOSPC). */
    private Throwable whenStoreFull(Throwable error, String step) {
        boolean full = Causes.chain(error).stream()
                .anyMatch(cause -> cause.getMessage() != null && cause.getMessage().contains(NO_SPACE));
        return full ? new JobFailedException("the archive store is full (" + archiveDir() + ", " + files.usableBytes()
                + " bytes free) " + step + ": " + JobLauncher.reason(error)) : error;
    }

    private String archiveDir() {
        return calls.config().archiveDir().toString();
    }
}
