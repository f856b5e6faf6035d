package io.codehub.runtime.kubernetes;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.codehub.runtime.BackendFailureException;
import io.codehub.runtime.ConflictException;
import io.codehub.runtime.InstanceSpec;
import io.codehub.runtime.InstanceState;
import io.codehub.runtime.InstanceStatus;
import io.codehub.runtime.JobKind;
import io.codehub.runtime.JobStatus;
import io.codehub.runtime.NotFoundException;
import io.codehub.runtime.ProblemType;
import io.codehub.runtime.Upstream;
import io.codehub.runtime.WorkspaceId;
import io.codehub.runtime.support.ExposedPorts;
import io.codehub.runtime.support.JobRegistry;
import io.codehub.runtime.support.ManagedNames;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

/**
 * Workspace instances: one pod {@code codehub-ws-<id>} per workspace (restart policy Always),
 * mounting the workspace claim at the spec's mount path, with the spec's memory and CPU as both
 * request and limit. The workspace container declares the spec's port (named
 * {@value KubeNames#MAIN_PORT}) and each additional port ({@code port-<number>}); the upstream of
 * each is the pod's IP and that port, and the pod's declaration is what says which ports are
 * exposed. A pod that has the name but not the managed label is foreign: its status is
 * {@code missing}, and starting or deleting it is a conflict.
 */
final class KubeInstances {

    private static final Logger log = LoggerFactory.getLogger(KubeInstances.class);
    /** The most instances a list returns. */
    static final int MAX_LIST_ITEMS = 10_000;

    private final KubeCalls calls;
    private final ObjectCache<Pod> pods;
    private final KubeVolumes volumes;
    private final JobRegistry jobs;

    KubeInstances(KubeCalls calls, ObjectCache<Pod> pods, KubeVolumes volumes, JobRegistry jobs) {
        this.calls = calls;
        this.pods = pods;
        this.volumes = volumes;
        this.jobs = jobs;
    }

    /**
     * Starts the instance: creates the claim and the pod when missing. An existing pod is left as
     * it is, even when it was created from a different spec (delete the instance to apply a new
     * one); a pod that has ended (Succeeded, Failed: evicted, say) is replaced, as Docker restarts
     * an exited container. Concurrent starts converge on one pod.
     */
    Mono<InstanceStatus> start(WorkspaceId id, InstanceSpec spec) {
        String name = ManagedNames.workspace(id);
        return pods.ready().then(Mono.defer(() -> {
            JobStatus job = jobs.active(id);
            if (job != null && job.kind() == JobKind.RESTORE) {
                return Mono.error(new ConflictException(ProblemType.JOB_IN_PROGRESS, "volume " + name
                        + " is being restored by job " + job.jobId() + "; start the instance when it has finished"));
            }
            Pod cached = pods.get(name);
            if (cached != null && !KubeNames.isTerminating(cached) && !ended(cached)) {
                return Mono.just(PodStates.toStatus(id, cached));
            }
            Mono<Void> clear = cached == null ? Mono.empty()
                    : (KubeNames.isTerminating(cached) ? Mono.<Void>empty() : deletePod(name, cached))
                            .then(pods.await(name, pod -> pod == null, calls.config().callTimeout(),
                                    "the previous instance pod going away"))
                            .then();
            return clear.then(volumes.create(id))
                    .then(createPod(id, spec))
                    .then(pods.await(name, pod -> pod != null && !KubeNames.isTerminating(pod),
                            calls.config().callTimeout(), "the created pod appearing in the watch"))
                    .map(pod -> PodStates.toStatus(id, pod.orElseThrow()));
        }));
    }

    /** The instance's status; {@code missing} when there is no managed pod. */
    Mono<InstanceStatus> status(WorkspaceId id) {
        return pods.ready().then(Mono.fromCallable(() -> {
            Pod pod = pods.get(ManagedNames.workspace(id));
            return pod == null ? InstanceStatus.missing(id) : PodStates.toStatus(id, pod);
        }));
    }

    /** Deletes the instance's pod (gracefully); missing is fine, foreign is a conflict. The claim stays. */
    Mono<Void> delete(WorkspaceId id) {
        String name = ManagedNames.workspace(id);
        return pods.ready().then(Mono.defer(() -> {
            Pod cached = pods.get(name);
            if (cached == null) {
                return fetch(name).doOnNext(pod -> pod.ifPresent(found -> KubeVolumes.requireManaged(name, found,
                        "pod"))).then();
            }
            if (KubeNames.isTerminating(cached)) {
                return Mono.empty();
            }
            return deletePod(name, cached)
                    .then(pods.await(name, pod -> pod == null || KubeNames.isTerminating(pod),
                            calls.config().callTimeout(), "the deleted pod leaving the watch"))
                    .then();
        }));
    }

    /**
     * The running instance's pod IP and its container port {@code asked}, or its main port when
     * {@code null}. Only ports the pod declares are answered for.
     */
    Mono<Upstream> upstream(WorkspaceId id, @Nullable Integer asked) {
        String name = ManagedNames.workspace(id);
        return Mono.fromRunnable(() -> {
            if (asked != null) {
                ExposedPorts.requireValid(asked);
            }
        }).then(pods.ready()).then(Mono.fromCallable(() -> {
            Pod pod = pods.get(name);
            if (pod == null) {
                throw new NotFoundException(ProblemType.INSTANCE_NOT_FOUND,
                        "workspace " + id + " has no instance (no managed pod " + name + ")");
            }
            InstanceStatus status = PodStates.toStatus(id, pod);
            if (status.port() == null) {
                throw new BackendFailureException(ProblemType.BACKEND_ERROR,
                        "get pod " + name + ": the pod declares no container port", null);
            }
            int port = asked == null ? status.port()
                    : ExposedPorts.requireExposed(name, asked, status.port(), status.ports());
            if (status.state() != InstanceState.RUNNING) {
                throw new ConflictException(ProblemType.INSTANCE_NOT_RUNNING, "instance " + name + " is "
                        + status.state().wire() + (status.reason() == null ? "" : " (" + status.reason() + ")"));
            }
            return new Upstream(pod.getStatus().getPodIP(), port);
        }));
    }

    /** Managed instances whose workspace id starts with {@code prefix}, sorted by workspace id. */
    Mono<List<InstanceStatus>> list(String prefix) {
        if (!ManagedNames.isWorkspacePrefix(prefix)) {
            return Mono.error(ManagedNames.invalidWorkspacePrefix(prefix));
        }
        return pods.ready().then(Mono.fromCallable(() -> {
            List<InstanceStatus> found = new ArrayList<>();
            for (Pod pod : pods.list()) {
                WorkspaceId id = KubeNames.workspaceOf(pod);
                if (id != null && KubeNames.isManaged(pod) && KubeNames.label(pod, ManagedNames.JOB) == null
                        && ManagedNames.workspace(id).equals(pod.getMetadata().getName()) && id.value().startsWith(prefix)) {
                    found.add(PodStates.toStatus(id, pod));
                }
            }
            return found.stream().sorted(Comparator.comparing(status -> status.workspaceId().value()))
                    .limit(MAX_LIST_ITEMS).toList();
        }));
    }

    private Mono<Optional<Pod>> fetch(String name) {
        return calls.call("get pod", name, client -> Optional.ofNullable(
                client.pods().inNamespace(calls.namespace()).withName(name).get()));
    }

    private Mono<Void> deletePod(String name, Pod pod) {
        return calls.run("delete pod", name, client -> {
            client.pods().inNamespace(calls.namespace()).resource(pod).delete();
            log.info("deleted instance {}", name);
        });
    }

    private Mono<Void> createPod(WorkspaceId id, InstanceSpec spec) {
        String name = ManagedNames.workspace(id);
        Pod pod = podFor(id, spec);
        return calls.call("create pod", name, client -> {
            try {
                client.pods().inNamespace(calls.namespace()).resource(pod).create();
                log.info("created instance {} from image {}", name, spec.image());
                return true;
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409) {
                    throw e;
                }
                log.debug("instance {} was created concurrently", name);
                return false;
            }
        }).flatMap(created -> created ? Mono.<Void>empty()
                : fetch(name).doOnNext(found -> found.ifPresent(other -> KubeVolumes.requireManaged(name, other, "pod")))
                        .then());
    }

    /** The pod of an instance: what {@link #start} creates. */
    static Pod podFor(WorkspaceId id, InstanceSpec spec) {
        String name = ManagedNames.workspace(id);
        List<EnvVar> env = new ArrayList<>();
        spec.env().entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(entry -> env.add(new EnvVar(entry.getKey(), entry.getValue(), null)));
        Map<String, Quantity> resources = new HashMap<>();
        if (spec.memoryMb() != null) {
            resources.put("memory", new Quantity(spec.memoryMb() + "Mi"));
        }
        if (spec.cpus() != null) {
            resources.put("cpu", new Quantity(Math.max(1, Math.round(spec.cpus() * 1000)) + "m"));
        }
        ContainerBuilder container = new ContainerBuilder()
                .withName(KubeNames.CONTAINER)
                .withImage(spec.image())
                .withImagePullPolicy(spec.imagePullPolicy().wire())
                .withEnv(env)
                .addNewPort().withName(KubeNames.MAIN_PORT).withContainerPort(spec.port()).withProtocol("TCP").endPort()
                .addNewVolumeMount().withName("workspace").withMountPath(spec.mountPath()).endVolumeMount()
                .withNewResources().withRequests(resources).withLimits(resources).endResources();
        for (int port : spec.ports()) {
            container.addNewPort().withName(KubeNames.additionalPort(port)).withContainerPort(port).withProtocol("TCP")
                    .endPort();
        }
        if (!spec.command().isEmpty()) {
            // Like the SPI's command: it replaces the image's entrypoint, and with it the image's CMD.
            container.withCommand(spec.command());
        }
        return new PodBuilder()
                .withNewMetadata().withName(name).withLabels(ManagedNames.workspaceLabels(id)).endMetadata()
                .withNewSpec()
                .withRestartPolicy("Always")
                .withAutomountServiceAccountToken(false)
                .withEnableServiceLinks(false)
                .withContainers(container.build())
                .addNewVolume().withName("workspace").withNewPersistentVolumeClaim().withClaimName(name).endPersistentVolumeClaim()
                .endVolume()
                .endSpec()
                .build();
    }

    private static boolean ended(Pod pod) {
        String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
        return "Succeeded".equals(phase) || "Failed".equals(phase);
    }
}
