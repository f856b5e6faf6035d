package io.codehub.hub.support;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import io.codehub.runtime.ArchiveKey;
import io.codehub.runtime.ArchiveRequest;
import io.codehub.runtime.BackendUnavailableException;
import io.codehub.runtime.ConflictException;
import io.codehub.runtime.Health;
import io.codehub.runtime.HealthStatus;
import io.codehub.runtime.InstanceSpec;
import io.codehub.runtime.InstanceState;
import io.codehub.runtime.InstanceStatus;
import io.codehub.runtime.JobKind;
import io.codehub.runtime.JobState;
import io.codehub.runtime.JobStatus;
import io.codehub.runtime.NotFoundException;
import io.codehub.runtime.ProblemType;
import io.codehub.runtime.RestoreRequest;
import io.codehub.runtime.Runtime;
import io.codehub.runtime.Upstream;
import io.codehub.runtime.VolumeInfo;
import io.codehub.runtime.WorkspaceId;
import io.codehub.runtime.support.ExposedPorts;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

/**
 * A fast, in-memory {@link Runtime} for unit tests of the reconciler, placement and health (a
 * test double only: the hub never runs one). It keeps the Agent API's rules that matter to the
 * hub: start creates the volume, a used volume cannot be deleted, jobs run for a number of polls.
 * It can be made unreachable, and it records every call.
 */
public final class InMemoryRuntime implements Runtime {

    private final Map<WorkspaceId, InstanceStatus> instances = new ConcurrentHashMap<>();
    private final Set<WorkspaceId> volumes = ConcurrentHashMap.newKeySet();
    private final Map<ArchiveKey, WorkspaceId> archives = new ConcurrentHashMap<>();
    private final Map<String, JobStatus> jobs = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> jobPolls = new ConcurrentHashMap<>();
    private final List<String> calls = java.util.Collections.synchronizedList(new ArrayList<>());
    private final AtomicReference<String> unreachable = new AtomicReference<>();
    private volatile int pollsPerJob = 1;
    private volatile boolean failJobs;
    private volatile boolean hanging;
    private volatile int upstreamBasePort = 40000;

    /** Every call from now on fails as an unreachable agent would (null: reachable again). */
    public void unreachable(String reason) {
        unreachable.set(reason);
    }

    public void reachable() {
        unreachable.set(null);
    }

    /** Where {@link #upstream} says the apps are: the main port at {@code port}, the others after it. */
    public void upstreamBasePort(int port) {
        this.upstreamBasePort = port;
    }

    /** Every call from now on never answers, as a hung agent (the reconciler must not wait on it). */
    public void hang(boolean hang) {
        this.hanging = hang;
    }

    /** Jobs report {@code running} this many times before they end. */
    public void pollsPerJob(int polls) {
        this.pollsPerJob = polls;
    }

    /** Jobs end {@code failed} instead of {@code succeeded}. */
    public void failJobs(boolean fail) {
        this.failJobs = fail;
    }

    /** The names of the calls made so far, e.g. {@code startInstance ws1}. */
    public List<String> calls() {
        synchronized (calls) {
            return List.copyOf(calls);
        }
    }

    public boolean hasInstance(WorkspaceId id) {
        return instances.containsKey(id);
    }

    public boolean hasVolume(WorkspaceId id) {
        return volumes.contains(id);
    }

    public int archiveCount() {
        return archives.size();
    }

    private Mono<Void> enter(String call) {
        return Mono.defer(() -> {
            calls.add(call);
            if (hanging) {
                return Mono.never();
            }
            String reason = unreachable.get();
            return reason == null ? Mono.empty() : Mono.error(new BackendUnavailableException(reason, null));
        });
    }

    @Override
    public Mono<InstanceStatus> startInstance(WorkspaceId workspaceId, InstanceSpec spec) {
        return enter("startInstance " + workspaceId).then(Mono.fromSupplier(() -> {
            volumes.add(workspaceId);
            return instances.computeIfAbsent(workspaceId,
                    id -> new InstanceStatus(id, InstanceState.RUNNING, spec.image(), null, Instant.now(), spec.port(),
                            spec.ports()));
        }));
    }

    @Override
    public Mono<Void> deleteInstance(WorkspaceId workspaceId) {
        return enter("deleteInstance " + workspaceId).then(Mono.fromRunnable(() -> instances.remove(workspaceId)));
    }

    @Override
    public Mono<InstanceStatus> instanceStatus(WorkspaceId workspaceId) {
        return enter("instanceStatus " + workspaceId).then(Mono.fromSupplier(() ->
                instances.getOrDefault(workspaceId, InstanceStatus.missing(workspaceId))));
    }

    /**
     * The main port is served at 127.0.0.1:40000 (or {@link #upstreamBasePort}), the additional
     * ports at 40001, 40002... in order.
     */
    @Override
    public Mono<Upstream> upstream(WorkspaceId workspaceId) {
        return enter("upstream " + workspaceId).then(upstreamOf(workspaceId, null));
    }

    @Override
    public Mono<Upstream> upstream(WorkspaceId workspaceId, int port) {
        return enter("upstream " + workspaceId + " " + port).then(upstreamOf(workspaceId, port));
    }

    private Mono<Upstream> upstreamOf(WorkspaceId workspaceId, @Nullable Integer asked) {
        return Mono.fromCallable(() -> {
            if (asked != null) {
                ExposedPorts.requireValid(asked);
            }
            InstanceStatus instance = instances.get(workspaceId);
            if (instance == null || instance.port() == null) {
                throw new NotFoundException(ProblemType.INSTANCE_NOT_FOUND, "no instance " + workspaceId);
            }
            int port = asked == null ? instance.port()
                    : ExposedPorts.requireExposed("codehub-ws-" + workspaceId, asked, instance.port(), instance.ports());
            return new Upstream("127.0.0.1", upstreamBasePort + instance.ports().indexOf(port) + 1);
        });
    }

    @Override
    public Mono<List<InstanceStatus>> listInstances(String prefix) {
        return enter("listInstances " + prefix).then(Mono.fromSupplier(() -> instances.values().stream()
                .filter(i -> i.workspaceId().value().startsWith(prefix)).toList()));
    }

    @Override
    public Mono<VolumeInfo> createVolume(WorkspaceId workspaceId) {
        return enter("createVolume " + workspaceId).then(Mono.fromSupplier(() -> {
            volumes.add(workspaceId);
            return new VolumeInfo(workspaceId, "codehub-ws-" + workspaceId, null);
        }));
    }

    @Override
    public Mono<Void> deleteVolume(WorkspaceId workspaceId) {
        return enter("deleteVolume " + workspaceId).then(Mono.defer(() -> {
            if (instances.containsKey(workspaceId)) {
                return Mono.error(new ConflictException(ProblemType.VOLUME_IN_USE, "volume of " + workspaceId + " is in use"));
            }
            volumes.remove(workspaceId);
            return Mono.empty();
        }));
    }

    @Override
    public Mono<Boolean> volumeExists(WorkspaceId workspaceId) {
        return enter("volumeExists " + workspaceId).then(Mono.fromSupplier(() -> volumes.contains(workspaceId)));
    }

    @Override
    public Mono<List<VolumeInfo>> listVolumes() {
        return enter("listVolumes").then(Mono.fromSupplier(() -> volumes.stream()
                .map(id -> new VolumeInfo(id, "codehub-ws-" + id, null)).toList()));
    }

    @Override
    public Mono<JobStatus> startArchive(ArchiveRequest request) {
        return enter("startArchive " + request.workspaceId()).then(Mono.defer(() -> {
            JobStatus named = request.jobId() == null ? null : jobs.get(request.jobId());
            if (named != null) {
                return Mono.just(named); // asked again: the same job, as the agent answers
            }
            if (!volumes.contains(request.workspaceId())) {
                return Mono.error(new NotFoundException(ProblemType.VOLUME_NOT_FOUND, "no volume " + request.workspaceId()));
            }
            byte[] random = new byte[4];
            java.util.concurrent.ThreadLocalRandom.current().nextBytes(random);
            ArchiveKey key = ArchiveKey.of(request.workspaceId() + "-20260101T000000Z-" + HexFormat.of().formatHex(random)
                    + ".tar.gz");
            return Mono.just(newJob(JobKind.ARCHIVE, request.workspaceId(), key, request.jobId()));
        }));
    }

    @Override
    public Mono<JobStatus> startRestore(RestoreRequest request) {
        return enter("startRestore " + request.workspaceId()).then(Mono.defer(() -> {
            JobStatus named = request.jobId() == null ? null : jobs.get(request.jobId());
            if (named != null) {
                return Mono.just(named);
            }
            if (!archives.containsKey(request.archiveKey())) {
                return Mono.error(new NotFoundException(ProblemType.ARCHIVE_NOT_FOUND, "no archive " + request.archiveKey()));
            }
            return Mono.just(newJob(JobKind.RESTORE, request.workspaceId(), request.archiveKey(), request.jobId()));
        }));
    }

    private JobStatus newJob(JobKind kind, WorkspaceId workspaceId, ArchiveKey key, @Nullable String jobId) {
        JobStatus job = new JobStatus(jobId == null ? UUID.randomUUID().toString() : jobId, kind, JobState.PENDING, workspaceId, key, null, null,
                null, Instant.now(), null);
        jobs.put(job.jobId(), job);
        jobPolls.put(job.jobId(), new AtomicInteger());
        return job;
    }

    @Override
    public Mono<JobStatus> job(String jobId) {
        return enter("job " + jobId).then(Mono.defer(() -> {
            JobStatus job = jobs.get(jobId);
            if (job == null) {
                return Mono.error(new NotFoundException(ProblemType.JOB_NOT_FOUND, "no job " + jobId));
            }
            if (job.state().isTerminal()) {
                return Mono.just(job);
            }
            if (jobPolls.get(jobId).incrementAndGet() <= pollsPerJob) {
                JobStatus running = job.running();
                jobs.put(jobId, running);
                return Mono.just(running);
            }
            JobStatus ended;
            if (failJobs) {
                ended = job.failed("simulated failure", Instant.now());
            } else {
                if (job.kind() == JobKind.ARCHIVE) {
                    archives.put(job.archiveKey(), job.workspaceId());
                } else {
                    volumes.add(job.workspaceId());
                }
                ended = job.succeeded(100, "0".repeat(64), Instant.now());
            }
            jobs.put(jobId, ended);
            return Mono.just(ended);
        }));
    }

    /** Forgets every job, as an agent that restarted would. */
    public void forgetJobs() {
        jobs.clear();
    }

    @Override
    public Mono<Health> health() {
        return Mono.fromSupplier(() -> {
            calls.add("health");
            String reason = unreachable.get();
            return reason == null ? new Health(HealthStatus.UP, "memory", "test", "in-memory", null)
                    : new Health(HealthStatus.DOWN, "unknown", "unknown", null, reason);
        });
    }
}
