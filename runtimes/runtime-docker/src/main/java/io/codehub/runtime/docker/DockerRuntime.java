package io.codehub.runtime.docker;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.util.List;

import io.codehub.runtime.ArchiveRequest;
import io.codehub.runtime.Health;
import io.codehub.runtime.HealthStatus;
import io.codehub.runtime.InstanceSpec;
import io.codehub.runtime.InstanceStatus;
import io.codehub.runtime.JobStatus;
import io.codehub.runtime.RestoreRequest;
import io.codehub.runtime.Runtime;
import io.codehub.runtime.Upstream;
import io.codehub.runtime.VolumeInfo;
import io.codehub.runtime.WorkspaceId;
import io.codehub.runtime.support.JobLauncher;
import io.codehub.runtime.support.JobRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

/**
 * The {@link Runtime} of one Docker engine. A workspace is a container {@code codehub-ws-<id>}
 * with a volume of the same name; archive and restore jobs run in short-lived containers
 * {@code codehub-job-<jobId>} and keep archives in {@link DockerRuntimeConfig#archiveDir()}, next
 * to a {@code .sha256} sidecar each. Everything it creates carries the label
 * {@code io.codehub.managed=true}; a container or volume without it is never listed, changed or
 * deleted, even when its name matches.
 *
 * <h2>Threads</h2>
 * docker-java blocks, so every engine call runs on a bounded scheduler of
 * {@link DockerRuntimeConfig#maxConcurrentCalls()} threads; no method blocks its caller. Jobs wait
 * for their container by polling, so a long job holds no thread.
 *
 * <h2>Instances</h2>
 * {@link #startInstance} creates what is missing (image per pull policy, volume, container) and
 * starts the container. An existing container is started as it is, even when it was created from
 * a different spec: delete the instance to apply a new one. The spec's port and additional ports
 * are each published on a random host port of {@link DockerRuntimeConfig#publishAddress()}, and
 * {@link #upstream(WorkspaceId, int)} answers for exactly those. With a
 * {@link DockerRuntimeConfig#network()} nothing is published: the container joins that network
 * (only it), and upstreams are its address there with the container port, which only what shares
 * the network reaches; a missing network fails the start and turns {@link #health()} DOWN, both
 * naming it. The spec's {@code command}, when
 * given, replaces the image's entrypoint and command (as Kubernetes' {@code command} does). A
 * start is refused while a restore job works on the workspace's volume.
 *
 * <h2>Errors</h2>
 * Every failure is a {@link io.codehub.runtime.RuntimeProblemException}: an unreachable engine is
 * {@link io.codehub.runtime.BackendUnavailableException} naming the engine's address, other
 * engine errors {@link io.codehub.runtime.BackendFailureException} naming the operation and the
 * resource. {@link #health()} never fails.
 *
 * <h2>Lifecycle</h2>
 * Creating a runtime creates the archive directory but does not contact the engine. The job
 * registry lives in memory: jobs are forgotten when the runtime is closed. {@link #close()} closes
 * the engine client and stops the scheduler; jobs still running then fail.
 */
public final class DockerRuntime implements Runtime, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DockerRuntime.class);
    private static final String RUNTIME = "docker";

    private final DockerRuntimeConfig config;
    private final DockerCalls calls;
    private final DockerInstances instances;
    private final DockerVolumes volumes;
    private final DockerJobs jobs;

    /**
     * A runtime for the engine at {@link DockerRuntimeConfig#dockerHost()}.
     *
     * @throws UncheckedIOException when the archive directory cannot be created
     */
    public DockerRuntime(DockerRuntimeConfig config) {
        this.config = config;
        ArchiveFiles files = new ArchiveFiles(config.archiveDir());
        try {
            files.createDirectory();
        } catch (IOException e) {
            throw new UncheckedIOException("archiveDir: cannot create '" + config.archiveDir() + "': " + e, e);
        }
        this.calls = new DockerCalls(config);
        JobRegistry registry = new JobRegistry(JobRegistry.DEFAULT_MAX_FINISHED);
        DockerImages images = new DockerImages(calls);
        this.volumes = new DockerVolumes(calls, registry);
        this.instances = new DockerInstances(calls, images, volumes, registry);
        this.jobs = new DockerJobs(calls, volumes, new JobContainers(calls, images), files, registry,
                Clock.systemUTC());
        log.info("Docker runtime for {} (archives in {}, up to {} concurrent engine calls; instances {})",
                config.dockerHost(), config.archiveDir(), config.maxConcurrentCalls(), config.network() == null
                        ? "publish their ports on " + config.publishAddress() : "join network " + config.network());
    }

    /** The configuration this runtime was created with. */
    public DockerRuntimeConfig config() {
        return config;
    }

    @Override
    public Mono<InstanceStatus> startInstance(WorkspaceId workspaceId, InstanceSpec spec) {
        return instances.start(workspaceId, spec);
    }

    @Override
    public Mono<Void> deleteInstance(WorkspaceId workspaceId) {
        return instances.delete(workspaceId);
    }

    @Override
    public Mono<InstanceStatus> instanceStatus(WorkspaceId workspaceId) {
        return instances.status(workspaceId);
    }

    @Override
    public Mono<Upstream> upstream(WorkspaceId workspaceId) {
        return instances.upstream(workspaceId, null);
    }

    @Override
    public Mono<Upstream> upstream(WorkspaceId workspaceId, int port) {
        return instances.upstream(workspaceId, port);
    }

    @Override
    public Mono<List<InstanceStatus>> listInstances(String prefix) {
        return instances.list(prefix);
    }

    @Override
    public Mono<VolumeInfo> createVolume(WorkspaceId workspaceId) {
        return volumes.create(workspaceId);
    }

    @Override
    public Mono<Void> deleteVolume(WorkspaceId workspaceId) {
        return volumes.delete(workspaceId);
    }

    @Override
    public Mono<Boolean> volumeExists(WorkspaceId workspaceId) {
        return volumes.exists(workspaceId);
    }

    @Override
    public Mono<List<VolumeInfo>> listVolumes() {
        return volumes.list();
    }

    @Override
    public Mono<JobStatus> startArchive(ArchiveRequest request) {
        return jobs.startArchive(request);
    }

    @Override
    public Mono<JobStatus> startRestore(RestoreRequest request) {
        return jobs.startRestore(request);
    }

    @Override
    public Mono<JobStatus> job(String jobId) {
        return jobs.job(jobId);
    }

    /**
     * UP with the engine's version when it answers a ping and the configured network, if any,
     * exists; DOWN with the reason otherwise (a missing network is named). Never fails.
     */
    @Override
    public Mono<Health> health() {
        return calls.call("ping", "engine", client -> {
                    client.pingCmd().exec();
                    var version = client.versionCmd().exec();
                    return "Docker Engine " + version.getVersion() + " (API " + version.getApiVersion() + ")";
                })
                .flatMap(backend -> instances.requireNetwork().thenReturn(backend))
                .map(backend -> new Health(HealthStatus.UP, RUNTIME, config.agentVersion(), backend, null))
                .onErrorResume(error -> Mono.just(new Health(HealthStatus.DOWN, RUNTIME, config.agentVersion(), null,
                        JobLauncher.reason(error))));
    }

    /** Closes the engine client and stops the scheduler. */
    @Override
    public void close() {
        calls.close();
        log.info("Docker runtime for {} closed", config.dockerHost());
    }
}
