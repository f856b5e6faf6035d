package io.codehub.runtime.kubernetes;

import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

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
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

/**
 * Archive and restore jobs as Kubernetes Jobs. A start call checks what it can up front (the claim
 * or the archive exists, nothing uses the claim for a restore, no other job works on the
 * workspace), records a pending job and returns it; the Job then runs in the cluster, and its
 * outcome, read from the Job's conditions and its pod's termination message, is read with
 * {@link #job(String)}. The Job is deleted once its outcome is known, on every path.
 *
 * <p>A Job pod mounts the workspace claim at {@value JobScripts#DATA} (read-only for an archive)
 * and the archive claim at {@value JobScripts#ARCHIVES} (read-only for a restore), has no service
 * account token, and runs a script of {@link JobScripts}. Archives are recorded in
 * {@link ArchiveRecords} once written.
 */
final class KubeJobs {

    private static final Logger log = LoggerFactory.getLogger(KubeJobs.class);
    /** Left to the cluster to remove a finished Job the agent could not delete (it died, say). */
    private static final int TTL_AFTER_FINISHED_SECONDS = 3600;
    private static final int MAX_ERROR = 2048;

    private final KubeCalls calls;
    private final KubeVolumes volumes;
    private final ObjectCache<PersistentVolumeClaim> claims;
    private final ObjectCache<Job> jobObjects;
    private final ArchiveRecords records;
    private final JobLauncher launcher;
    private final Clock clock;

    KubeJobs(KubeCalls calls, KubeVolumes volumes, ObjectCache<PersistentVolumeClaim> claims,
            ObjectCache<Job> jobObjects, ArchiveRecords records, JobRegistry registry, Clock clock) {
        this.calls = calls;
        this.volumes = volumes;
        this.claims = claims;
        this.jobObjects = jobObjects;
        this.records = records;
        this.launcher = new JobLauncher(registry, clock);
        this.clock = clock;
    }

    Mono<JobStatus> startArchive(ArchiveRequest request) {
        WorkspaceId id = request.workspaceId();
        String claim = ManagedNames.workspace(id);
        return launcher.once(JobKind.ARCHIVE, id, request.jobId(), () -> claims.ready().then(jobObjects.ready())
                .then(Mono.fromCallable(() -> {
                    PersistentVolumeClaim cached = claims.get(claim);
                    if (cached == null || KubeNames.isTerminating(cached)) {
                        throw new NotFoundException(ProblemType.VOLUME_NOT_FOUND,
                                "workspace " + id + " has no volume (no managed claim " + claim + ")");
                    }
                    ArchiveKey key = ManagedNames.newArchiveKey(id, clock.instant(), ThreadLocalRandom.current());
                    JobStatus job = launcher.accept(JobKind.ARCHIVE, id, key, request.jobId());
                    String script = JobScripts.archive(key, JobScripts.DATA, JobScripts.ARCHIVES, JobScripts.RESULT);
                    launcher.launch(job, run(job, script, true)
                            .flatMap(digest -> records.record(key, id, digest, clock.instant()).thenReturn(digest)));
                    return job;
                })));
    }

    Mono<JobStatus> startRestore(RestoreRequest request) {
        WorkspaceId id = request.workspaceId();
        ArchiveKey key = request.archiveKey();
        String claim = ManagedNames.workspace(id);
        return launcher.once(JobKind.RESTORE, id, request.jobId(), () -> claims.ready().then(jobObjects.ready())
                .then(records.find(key))
                .flatMap(found -> found.isPresent() ? Mono.just(found.get())
                        : Mono.error(new NotFoundException(ProblemType.ARCHIVE_NOT_FOUND,
                                "archive " + key + " is not in the archive store")))
                .flatMap(record -> (claims.get(claim) == null ? volumes.requireNotForeign(claim) : Mono.<Void>empty())
                        .then(volumes.requireUnused(claim))
                        .then(Mono.fromCallable(() -> {
                            JobStatus job = launcher.accept(JobKind.RESTORE, id, key, request.jobId());
                            String script = JobScripts.restore(key, record.sha256(), JobScripts.DATA,
                                    JobScripts.ARCHIVES, JobScripts.RESULT);
                            launcher.launch(job, volumes.create(id)
                                    .then(volumes.requireUnused(claim))
                                    .then(run(job, script, false))
                                    .map(digest -> {
                                        if (!digest.sha256().equals(record.sha256())) {
                                            throw new JobFailedException("checksum mismatch: expected " + record.sha256()
                                                    + ", the restore job read " + digest.sha256());
                                        }
                                        return digest;
                                    }));
                            return job;
                        }))));
    }

    Mono<JobStatus> job(String jobId) {
        return Mono.fromCallable(() -> launcher.registry().require(jobId));
    }

    /**
     * Creates the Job, waits (on the Job informer, not by polling) until it completes or fails,
     * and returns the digest its pod reported. The Job is deleted on every path.
     */
    private Mono<ArchiveDigest> run(JobStatus job, String script, boolean archive) {
        String name = ManagedNames.job(job.jobId());
        Job object = jobFor(job, script, archive, calls.config());
        Duration limit = calls.config().jobTimeout().plus(calls.config().callTimeout());
        Mono<String> create = calls.call("create job", name, client -> {
            client.batch().v1().jobs().inNamespace(calls.namespace()).resource(object).create();
            log.debug("created job {}", name);
            return name;
        });
        return Mono.usingWhen(create,
                // First until the watch shows the Job (a read after our create), then until it ends or vanishes.
                created -> jobObjects.await(name, found -> found != null, calls.config().callTimeout(),
                                "the created job appearing in the watch")
                        .then(jobObjects.await(name, found -> found == null || finished(found) != null, limit,
                                "the job finishing"))
                        .flatMap(found -> outcome(name, job.jobId(), found)),
                created -> delete(name),
                (created, error) -> delete(name),
                created -> delete(name));
    }

    private Mono<ArchiveDigest> outcome(String name, String jobId, Optional<Job> found) {
        if (found.isEmpty()) {
            return Mono.error(new JobFailedException("job " + name + " was deleted before it finished"));
        }
        JobCondition end = finished(found.get());
        return terminationMessage(jobId).flatMap(message -> {
            if (end != null && "Complete".equals(end.getType())) {
                ArchiveDigest digest = JobScripts.parseResult(message.orElse(null));
                return digest != null ? Mono.just(digest) : Mono.error(new JobFailedException("job " + name
                        + " completed but reported no '<bytes> <sha256>' result" + message.map(m -> ": " + shorten(m)).orElse("")));
            }
            String why = end == null ? "failed" : "failed (" + end.getReason()
                    + (end.getMessage() == null ? "" : ": " + end.getMessage()) + ")";
            return Mono.error(new JobFailedException(shorten("job " + name + " " + why
                    + message.map(m -> ": " + m.strip()).orElse(""))));
        });
    }

    /** The termination message of the Job's (last) pod: the result line, or the log tail on failure. */
    private Mono<Optional<String>> terminationMessage(String jobId) {
        return calls.call("list pods of job", ManagedNames.job(jobId), client -> {
            List<Pod> pods = client.pods().inNamespace(calls.namespace()).withLabel(ManagedNames.JOB, jobId).list().getItems();
            String message = null;
            for (Pod pod : pods) {
                ContainerStatus status = PodStates.container(pod);
                if (KubeNames.isManaged(pod) && status != null && status.getState() != null
                        && status.getState().getTerminated() != null && status.getState().getTerminated().getMessage() != null) {
                    message = status.getState().getTerminated().getMessage();
                }
            }
            return Optional.ofNullable(message);
        }).onErrorResume(error -> Mono.just(Optional.of("(pod unavailable: " + JobLauncher.reason(error) + ")")));
    }

    private Mono<Void> delete(String name) {
        return calls.run("delete job", name, client -> {
            client.batch().v1().jobs().inNamespace(calls.namespace()).withName(name)
                    .withPropagationPolicy(DeletionPropagation.BACKGROUND).delete();
            log.debug("deleted job {}", name);
        }).onErrorResume(error -> {
            log.warn("deleting job {} failed (the cluster removes it {} s after it finished): {}", name,
                    TTL_AFTER_FINISHED_SECONDS, JobLauncher.reason(error));
            return Mono.empty();
        });
    }

    /** The Complete or Failed condition that is true, or {@code null} while the Job runs. */
    static @Nullable JobCondition finished(Job job) {
        if (job.getStatus() == null || job.getStatus().getConditions() == null) {
            return null;
        }
        for (JobCondition condition : job.getStatus().getConditions()) {
            if (("Complete".equals(condition.getType()) || "Failed".equals(condition.getType()))
                    && "True".equals(condition.getStatus())) {
                return condition;
            }
        }
        return null;
    }

    /** The Job of an archive ({@code archive}) or restore job: what {@link #run} creates. */
    static Job jobFor(JobStatus job, String script, boolean archive, KubernetesRuntimeConfig config) {
        String name = ManagedNames.job(job.jobId());
        Map<String, String> labels = new HashMap<>(ManagedNames.workspaceLabels(job.workspaceId()));
        labels.put(ManagedNames.JOB, job.jobId());
        labels.put(KubeNames.JOB_KIND, job.kind().wire());
        Map<String, String> annotations = Map.of(KubeNames.ARCHIVE_KEY, job.archiveKey().value());
        return new JobBuilder()
                .withNewMetadata().withName(name).withLabels(labels).withAnnotations(annotations).endMetadata()
                .withNewSpec()
                .withBackoffLimit(0)
                .withActiveDeadlineSeconds(config.jobTimeout().toSeconds())
                .withTtlSecondsAfterFinished(TTL_AFTER_FINISHED_SECONDS)
                .withNewTemplate()
                .withNewMetadata().withLabels(labels).withAnnotations(annotations).endMetadata()
                .withNewSpec()
                .withRestartPolicy("Never")
                .withAutomountServiceAccountToken(false)
                .withEnableServiceLinks(false)
                .addNewContainer()
                .withName("job")
                .withImage(config.jobImage())
                .withImagePullPolicy(config.jobImagePullPolicy().wire())
                .withCommand("sh", "-c", script)
                .withTerminationMessagePolicy("FallbackToLogsOnError")
                .addNewVolumeMount().withName("data").withMountPath(JobScripts.DATA).withReadOnly(archive).endVolumeMount()
                .addNewVolumeMount().withName("archive").withMountPath(JobScripts.ARCHIVES).withReadOnly(!archive)
                .endVolumeMount()
                .endContainer()
                .addNewVolume().withName("data").withNewPersistentVolumeClaim()
                .withClaimName(ManagedNames.workspace(job.workspaceId())).endPersistentVolumeClaim().endVolume()
                .addNewVolume().withName("archive").withNewPersistentVolumeClaim()
                .withClaimName(config.archiveClaim()).endPersistentVolumeClaim().endVolume()
                .endSpec()
                .endTemplate()
                .endSpec()
                .build();
    }

    private static String shorten(String text) {
        return text.length() > MAX_ERROR ? text.substring(0, MAX_ERROR) + "..." : text;
    }
}
