package io.codehub.runtime.kubernetes;

import java.time.Clock;
import java.util.List;

import io.codehub.base.Causes;
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
import io.codehub.runtime.support.ManagedNames;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

/**
 * The {@link Runtime} of one Kubernetes namespace. A workspace is a pod {@code codehub-ws-<id>}
 * mounting a PersistentVolumeClaim of the same name; archive and restore jobs are Kubernetes Jobs
 * {@code codehub-job-<jobId>} that write archives, each with a {@code .sha256} sidecar, to the
 * archive claim, and the agent records each archive in a ConfigMap. Everything it creates carries
 * the label {@code io.codehub.managed=true}; an object without it is never listed, changed or
 * deleted, even when its name matches. {@code docs/kubernetes.md} explains why a bare pod (and
 * not a Deployment or StatefulSet) and the pod IP (and not a Service).
 *
 * <h2>Threads and state</h2>
 * fabric8 blocks, so every API call runs on a bounded scheduler of
 * {@link KubernetesRuntimeConfig#maxConcurrentCalls()} threads; no method blocks its caller.
 * Informers (one list, then a watch) keep the managed pods, claims and Jobs in memory: statuses,
 * lists and existence checks are read from them, writers wait until they reflect their write, and
 * a job learns that its Job ended from a watch event, not by polling.
 *
 * <h2>Errors</h2>
 * Problem types and their meaning are those of the Docker runtime: an unreachable API server is
 * {@link io.codehub.runtime.BackendUnavailableException}, other API errors (a Role lacking a verb,
 * say) {@link io.codehub.runtime.BackendFailureException} naming the operation and the object.
 * One difference follows from Kubernetes being asynchronous: a missing image is not refused by
 * {@link #startInstance}; the pod reports {@code error} with {@code ErrImagePull} or
 * {@code ImagePullBackOff} as its reason. {@link #health()} never fails.
 *
 * <h2>Lifecycle</h2>
 * Creating a runtime does not contact the API server; the informers start on first use. The job
 * registry lives in memory: jobs are forgotten when the runtime is closed. {@link #close()} stops
 * the informers, the scheduler and the client.
 */
public final class KubernetesRuntime implements Runtime, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(KubernetesRuntime.class);
    private static final String RUNTIME = "kubernetes";

    private final KubernetesRuntimeConfig config;
    private final KubeCalls calls;
    private final ObjectCache<Pod> pods;
    private final ObjectCache<PersistentVolumeClaim> claims;
    private final ObjectCache<Job> jobObjects;
    private final KubeInstances instances;
    private final KubeVolumes volumes;
    private final KubeJobs jobs;

    /**
     * A runtime for the cluster of {@link KubernetesRuntimeConfig#kubeconfig()}, or the in-cluster
     * service account when it is {@code null}.
     *
     * @throws IllegalArgumentException when the kubeconfig cannot be read or used
     */
    public KubernetesRuntime(KubernetesRuntimeConfig config) {
        this(config, connect(config));
    }

    /** A runtime on an existing client, which it closes with itself (tests use a mock server's). */
    KubernetesRuntime(KubernetesRuntimeConfig config, KubernetesClient client) {
        this.config = config;
        String namespace = config.namespace() != null ? config.namespace()
                : client.getNamespace() != null ? client.getNamespace() : "default";
        this.calls = new KubeCalls(client, namespace, config);
        this.pods = new ObjectCache<>("pods", calls,
                c -> c.pods().inNamespace(namespace).withLabel(ManagedNames.MANAGED, "true"));
        this.claims = new ObjectCache<>("persistentvolumeclaims", calls,
                c -> c.persistentVolumeClaims().inNamespace(namespace).withLabel(ManagedNames.MANAGED, "true"));
        this.jobObjects = new ObjectCache<>("jobs", calls,
                c -> c.batch().v1().jobs().inNamespace(namespace).withLabel(ManagedNames.MANAGED, "true"));
        JobRegistry registry = new JobRegistry(JobRegistry.DEFAULT_MAX_FINISHED);
        this.volumes = new KubeVolumes(calls, claims, registry);
        this.instances = new KubeInstances(calls, pods, volumes, registry);
        this.jobs = new KubeJobs(calls, volumes, claims, jobObjects, new ArchiveRecords(calls), registry,
                Clock.systemUTC());
        log.info("Kubernetes runtime for {} in namespace {} (archive claim {}, up to {} concurrent API calls)",
                client.getMasterUrl(), namespace, config.archiveClaim(), config.maxConcurrentCalls());
    }

    /** The configuration this runtime was created with. */
    public KubernetesRuntimeConfig config() {
        return config;
    }

    /** The namespace every object of this runtime lives in. */
    public String namespace() {
        return calls.namespace();
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
     * UP with the cluster's version when the API server answers, the informers have synced and the
     * archive claim exists; DOWN with the reason otherwise. Never fails.
     */
    @Override
    public Mono<Health> health() {
        String namespace = calls.namespace();
        return calls.call("get version", "of the API server", client -> {
                    var version = client.getKubernetesVersion();
                    return version == null ? "(version unknown)" : version.getGitVersion() != null
                            ? version.getGitVersion() : version.getMajor() != null
                                    ? "v" + version.getMajor() + "." + version.getMinor() : "(version unknown)";
                })
                .flatMap(version -> pods.ready().then(claims.ready()).then(jobObjects.ready())
                        .then(volumes.fetch(config.archiveClaim()))
                        .map(archive -> {
                            if (archive.isEmpty()) {
                                throw new IllegalStateException("the archive claim " + config.archiveClaim()
                                        + " does not exist in namespace " + namespace
                                        + " (create it, or set the archive claim to an existing one)");
                            }
                            return "Kubernetes " + version + ", namespace " + namespace;
                        }))
                .map(backend -> new Health(HealthStatus.UP, RUNTIME, config.agentVersion(), backend, null))
                .onErrorResume(error -> Mono.just(new Health(HealthStatus.DOWN, RUNTIME, config.agentVersion(), null,
                        JobLauncher.reason(error))));
    }

    /** Stops the informers, the scheduler and the client. */
    @Override
    public void close() {
        pods.close();
        claims.close();
        jobObjects.close();
        calls.close();
        log.info("Kubernetes runtime for namespace {} closed", calls.namespace());
    }

    private static KubernetesClient connect(KubernetesRuntimeConfig config) {
        Config base;
        try {
            base = config.kubeconfig() == null ? Config.autoConfigure(null)
                    : Config.fromKubeconfig(config.kubeconfig().toFile());
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("kubeconfig: cannot use '" + config.kubeconfig() + "': "
                    + Causes.rootMessage(e), e);
        }
        int timeoutMillis = (int) Math.min(Integer.MAX_VALUE, config.callTimeout().toMillis());
        Config tuned = new ConfigBuilder(base)
                .withRequestTimeout(timeoutMillis)
                .withConnectionTimeout(timeoutMillis)
                // One retry: an unreachable server should be reported (503) within a call, not minutes later.
                .withRequestRetryBackoffLimit(1)
                .build();
        return new KubernetesClientBuilder().withConfig(tuned).build();
    }
}
