package io.codehub.bench;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import io.codehub.runtime.ArchiveKey;
import io.codehub.runtime.ArchiveRequest;
import io.codehub.runtime.ConflictException;
import io.codehub.runtime.Health;
import io.codehub.runtime.HealthStatus;
import io.codehub.runtime.InstanceSpec;
import io.codehub.runtime.InstanceState;
import io.codehub.runtime.InstanceStatus;
import io.codehub.runtime.JobIds;
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
import io.codehub.runtime.support.ManagedNames;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

/**
 * A {@link Runtime} that keeps everything in memory, standing in for a container engine behind the
 * simulated agents of the fleet benchmark; for the bench only, never for a real agent. One instance
 * may serve thousands of simulated agents at once: its state is keyed by workspace id (unique
 * across the fleet) and every method answers at once, without blocking or scheduling.
 *
 * <p>It keeps the contract the real runtimes keep: starting an instance creates its volume and is
 * idempotent (an existing instance is answered as it is, whatever the new spec), deleting a missing
 * instance or volume is not an error, a volume an instance uses cannot be deleted or restored
 * ({@code volume-in-use}), archiving needs the volume ({@code volume-not-found}), restoring needs an
 * archive this runtime made ({@code archive-not-found}) and creates a missing volume, and a start
 * request naming a known job id answers that job, or is a conflict ({@code job-id-in-use}) when the
 * job is of another kind or workspace.
 *
 * <p>What is simulated: instances are {@code running} as soon as they are started; archive and
 * restore jobs are returned {@code pending} by their start call but have already {@code succeeded}
 * when {@link #job(String)} is asked, with an archive of {@value #ARCHIVE_BYTES} bytes whose
 * SHA-256 is that of its key. {@link #upstream(WorkspaceId, int)} answers 127.0.0.1 with the asked
 * container port, <b>but nothing listens there</b>: traffic through the tunnel to a workspace of
 * this runtime fails to connect. The last {@value #MAX_FINISHED_JOBS} jobs are remembered (older
 * ones are {@code job-not-found}); archives are remembered by key for as long as the runtime lives.
 */
public final class MemoryRuntime implements Runtime {

    /** The size every simulated archive reports. */
    public static final long ARCHIVE_BYTES = 1024;
    /** How many finished jobs are kept for {@link #job(String)}, across all workspaces. */
    public static final int MAX_FINISHED_JOBS = 100_000;

    private static final String NAME = "memory";
    private static final String HOST = "127.0.0.1";

    /** A workspace's volume and instance, either absent; never both (the entry is removed then). */
    private record Workspace(@Nullable VolumeInfo volume, @Nullable InstanceStatus instance) {
    }

    private final String version;
    private final ConcurrentMap<WorkspaceId, Workspace> workspaces = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, JobStatus> jobs = new ConcurrentHashMap<>();
    private final Queue<String> jobOrder = new ConcurrentLinkedQueue<>();
    private final AtomicInteger jobCount = new AtomicInteger();
    private final Set<ArchiveKey> archives = ConcurrentHashMap.newKeySet();
    private final AtomicInteger instanceCount = new AtomicInteger();
    private final AtomicLong startCalls = new AtomicLong();

    /** An empty runtime whose {@link #health()} reports {@code version}. */
    public MemoryRuntime(String version) {
        this.version = Objects.requireNonNull(version, "version");
    }

    /** How many instances exist now. */
    public int instances() {
        return instanceCount.get();
    }

    /** How many times {@link #startInstance} was called, whether or not it started anything. */
    public long startCalls() {
        return startCalls.get();
    }

    @Override
    public Mono<InstanceStatus> startInstance(WorkspaceId workspaceId, InstanceSpec spec) {
        startCalls.incrementAndGet();
        return Mono.fromSupplier(() -> workspaces.compute(workspaceId, (id, ws) -> {
            if (ws != null && ws.instance() != null) {
                return ws;
            }
            instanceCount.incrementAndGet();
            InstanceStatus started = new InstanceStatus(id, InstanceState.RUNNING, spec.image(), null, Instant.now(),
                    spec.port(), spec.ports());
            return new Workspace(ws == null || ws.volume() == null ? newVolume(id) : ws.volume(), started);
        }).instance());
    }

    @Override
    public Mono<Void> deleteInstance(WorkspaceId workspaceId) {
        return Mono.fromRunnable(() -> workspaces.computeIfPresent(workspaceId, (id, ws) -> {
            if (ws.instance() == null) {
                return ws;
            }
            instanceCount.decrementAndGet();
            return ws.volume() == null ? null : new Workspace(ws.volume(), null);
        }));
    }

    @Override
    public Mono<InstanceStatus> instanceStatus(WorkspaceId workspaceId) {
        return Mono.fromSupplier(() -> {
            InstanceStatus instance = instanceOf(workspaceId);
            return instance == null ? InstanceStatus.missing(workspaceId) : instance;
        });
    }

    @Override
    public Mono<Upstream> upstream(WorkspaceId workspaceId) {
        return Mono.fromSupplier(() -> {
            InstanceStatus instance = requireInstance(workspaceId);
            return new Upstream(HOST, Objects.requireNonNull(instance.port(), "port"));
        });
    }

    @Override
    public Mono<Upstream> upstream(WorkspaceId workspaceId, int port) {
        return Mono.fromSupplier(() -> {
            ExposedPorts.requireValid(port);
            InstanceStatus instance = requireInstance(workspaceId);
            return new Upstream(HOST, ExposedPorts.requireExposed(ManagedNames.workspace(workspaceId), port,
                    Objects.requireNonNull(instance.port(), "port"), instance.ports()));
        });
    }

    @Override
    public Mono<List<InstanceStatus>> listInstances(String prefix) {
        if (!ManagedNames.isWorkspacePrefix(prefix)) {
            return Mono.error(ManagedNames.invalidWorkspacePrefix(prefix));
        }
        return Mono.fromSupplier(() -> workspaces.values().stream()
                .map(Workspace::instance)
                .filter(instance -> instance != null && instance.workspaceId().value().startsWith(prefix))
                .sorted(Comparator.comparing(instance -> instance.workspaceId().value()))
                .toList());
    }

    @Override
    public Mono<VolumeInfo> createVolume(WorkspaceId workspaceId) {
        return Mono.fromSupplier(() -> workspaces.compute(workspaceId, (id, ws) -> ws != null && ws.volume() != null
                ? ws : new Workspace(newVolume(id), ws == null ? null : ws.instance())).volume());
    }

    @Override
    public Mono<Void> deleteVolume(WorkspaceId workspaceId) {
        return Mono.fromRunnable(() -> workspaces.computeIfPresent(workspaceId, (id, ws) -> {
            if (ws.instance() != null) {
                throw inUse(id);
            }
            return null;
        }));
    }

    @Override
    public Mono<Boolean> volumeExists(WorkspaceId workspaceId) {
        return Mono.fromSupplier(() -> {
            Workspace ws = workspaces.get(workspaceId);
            return ws != null && ws.volume() != null;
        });
    }

    @Override
    public Mono<List<VolumeInfo>> listVolumes() {
        return Mono.fromSupplier(() -> workspaces.values().stream()
                .map(Workspace::volume)
                .filter(Objects::nonNull)
                .sorted(Comparator.comparing(volume -> volume.workspaceId().value()))
                .toList());
    }

    @Override
    public Mono<JobStatus> startArchive(ArchiveRequest request) {
        WorkspaceId id = request.workspaceId();
        return start(JobKind.ARCHIVE, id, request.jobId(), () -> {
            Workspace ws = workspaces.get(id);
            if (ws == null || ws.volume() == null) {
                throw new NotFoundException(ProblemType.VOLUME_NOT_FOUND, "workspace " + id
                        + " has no volume (no managed volume " + ManagedNames.workspace(id) + ")");
            }
            ArchiveKey key = ManagedNames.newArchiveKey(id, Instant.now(), ThreadLocalRandom.current());
            archives.add(key);
            return key;
        });
    }

    @Override
    public Mono<JobStatus> startRestore(RestoreRequest request) {
        WorkspaceId id = request.workspaceId();
        ArchiveKey key = request.archiveKey();
        return start(JobKind.RESTORE, id, request.jobId(), () -> {
            if (!archives.contains(key)) {
                throw new NotFoundException(ProblemType.ARCHIVE_NOT_FOUND,
                        "archive " + key + " is not in the archive store");
            }
            workspaces.compute(id, (workspace, ws) -> {
                if (ws != null && ws.instance() != null) {
                    throw inUse(workspace);
                }
                return ws != null ? ws : new Workspace(newVolume(workspace), null);
            });
            return key;
        });
    }

    @Override
    public Mono<JobStatus> job(String jobId) {
        return Mono.fromSupplier(() -> {
            JobStatus job = jobs.get(jobId);
            if (job == null) {
                throw new NotFoundException(ProblemType.JOB_NOT_FOUND, "job " + (jobId.length() > 80
                        ? jobId.substring(0, 80) + "..." : jobId) + " is not known to this agent");
            }
            return job;
        });
    }

    /** UP, with the JVM's operating system and architecture; never fails. */
    @Override
    public Mono<Health> health() {
        String os = System.getProperty("os.name", "unknown").trim().toLowerCase(Locale.ROOT).replace(' ', '-');
        String arch = System.getProperty("os.arch", "unknown").trim().toLowerCase(Locale.ROOT);
        return Mono.just(new Health(HealthStatus.UP, NAME, version, NAME, null, os, arch));
    }

    /**
     * Answers the job {@code jobId} names when it is of this kind and workspace (a conflict
     * otherwise); else runs {@code work}, which checks the request and returns the job's archive,
     * and records the job as already succeeded while answering it pending.
     */
    private Mono<JobStatus> start(JobKind kind, WorkspaceId id, @Nullable String jobId, Supplier<ArchiveKey> work) {
        return Mono.fromSupplier(() -> {
            JobStatus named = jobId == null ? null : jobs.get(jobId);
            if (named != null) {
                return same(named, kind, id);
            }
            ArchiveKey key = work.get();
            Instant now = Instant.now();
            JobStatus accepted = new JobStatus(jobId == null ? JobIds.random() : jobId, kind, JobState.PENDING, id,
                    key, null, null, null, now, null);
            JobStatus raced = jobs.putIfAbsent(accepted.jobId(), accepted.succeeded(ARCHIVE_BYTES, sha256(key), now));
            if (raced != null) {
                return same(raced, kind, id);
            }
            jobOrder.add(accepted.jobId());
            if (jobCount.incrementAndGet() > MAX_FINISHED_JOBS) {
                String oldest = jobOrder.poll();
                if (oldest != null) {
                    jobCount.decrementAndGet();
                    jobs.remove(oldest);
                }
            }
            return accepted;
        });
    }

    private @Nullable InstanceStatus instanceOf(WorkspaceId id) {
        Workspace ws = workspaces.get(id);
        return ws == null ? null : ws.instance();
    }

    private InstanceStatus requireInstance(WorkspaceId id) {
        InstanceStatus instance = instanceOf(id);
        if (instance == null) {
            throw new NotFoundException(ProblemType.INSTANCE_NOT_FOUND, "workspace " + id
                    + " has no instance (no managed container " + ManagedNames.workspace(id) + ")");
        }
        return instance;
    }

    private static JobStatus same(JobStatus named, JobKind kind, WorkspaceId id) {
        if (named.kind() != kind || !named.workspaceId().equals(id)) {
            throw new ConflictException(ProblemType.JOB_ID_IN_USE, "job id " + named.jobId()
                    + " already names the " + named.kind().wire() + " job of workspace " + named.workspaceId());
        }
        return named;
    }

    private static VolumeInfo newVolume(WorkspaceId id) {
        return new VolumeInfo(id, ManagedNames.workspace(id), Instant.now());
    }

    private static ConflictException inUse(WorkspaceId id) {
        String name = ManagedNames.workspace(id);
        return new ConflictException(ProblemType.VOLUME_IN_USE, "volume " + name + " is used by container " + name);
    }

    private static String sha256(ArchiveKey key) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(key.value().getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
