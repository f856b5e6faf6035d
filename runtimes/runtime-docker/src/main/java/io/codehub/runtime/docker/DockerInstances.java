package io.codehub.runtime.docker;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.NotModifiedException;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.ContainerNetwork;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.Mount;
import com.github.dockerjava.api.model.MountType;
import com.github.dockerjava.api.model.Ports;
import com.github.dockerjava.api.model.RestartPolicy;
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
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Workspace instances: one container {@code codehub-ws-<id>} per workspace, with the workspace
 * volume mounted at the spec's mount path and the spec's port and additional ports each published
 * on a random host port of {@code publishAddress}, or, when the runtime has a {@code network},
 * published nowhere and joined to that network instead. The container's labels record those ports
 * and that network ({@link DockerNames#PORT}, {@link DockerNames#PORTS}, {@link DockerNames#NETWORK}):
 * upstreams and statuses are read from them, so a container keeps being answered for the way it
 * was created even after the runtime's setting changed. A container that has the name but not the
 * managed label is foreign: its status is {@code missing}, and starting or deleting it is a conflict.
 */
final class DockerInstances {

    private static final Logger log = LoggerFactory.getLogger(DockerInstances.class);
    private static final int LIST_CONCURRENCY = 4;
    private static final int CONCURRENT_CREATE_RETRIES = 50;
    private static final Duration CONCURRENT_CREATE_POLL = Duration.ofMillis(100);

    private final DockerCalls calls;
    private final DockerImages images;
    private final DockerVolumes volumes;
    private final JobRegistry jobs;

    DockerInstances(DockerCalls calls, DockerImages images, DockerVolumes volumes, JobRegistry jobs) {
        this.calls = calls;
        this.images = images;
        this.volumes = volumes;
        this.jobs = jobs;
    }

    /**
     * Starts the instance, creating the image (per pull policy), the volume and the container when
     * missing. An existing managed container is started as it is, even when it was created from a
     * different spec: delete the instance first to apply a new spec. Concurrent starts of the same
     * workspace converge on one container.
     */
    Mono<InstanceStatus> start(WorkspaceId id, InstanceSpec spec) {
        String name = ManagedNames.workspace(id);
        return Mono.defer(() -> {
            JobStatus job = jobs.active(id);
            if (job != null && job.kind() == JobKind.RESTORE) {
                return Mono.error(new ConflictException(ProblemType.JOB_IN_PROGRESS, "volume " + name
                        + " is being restored by job " + job.jobId() + "; start the instance when it has finished"));
            }
            return inspect(name)
                    .switchIfEmpty(Mono.defer(() -> images.ensure(spec.image(), spec.imagePullPolicy())
                            .then(requireNetwork())
                            .then(volumes.create(id))
                            .then(create(id, spec))))
                    .flatMap(container -> {
                        DockerVolumes.requireManaged(name, container.getConfig().getLabels(), "container");
                        return startIfStopped(name, container);
                    })
                    .map(container -> ContainerStates.toStatus(id, container));
        });
    }

    /** The instance's status; {@code missing} when there is no managed container. */
    Mono<InstanceStatus> status(WorkspaceId id) {
        return inspect(ManagedNames.workspace(id))
                .filter(container -> ManagedNames.isManaged(container.getConfig().getLabels()))
                .map(container -> ContainerStates.toStatus(id, container))
                .defaultIfEmpty(InstanceStatus.missing(id));
    }

    /** Removes the instance's container by force; missing is fine, foreign is a conflict. The volume stays. */
    Mono<Void> delete(WorkspaceId id) {
        String name = ManagedNames.workspace(id);
        return inspect(name).flatMap(container -> {
            DockerVolumes.requireManaged(name, container.getConfig().getLabels(), "container");
            return calls.run("remove container", name, client -> {
                try {
                    client.removeContainerCmd(container.getId()).withForce(true).exec();
                    log.info("deleted instance {}", name);
                } catch (com.github.dockerjava.api.exception.NotFoundException e) {
                    log.debug("instance {} was already gone", name);
                } catch (com.github.dockerjava.api.exception.ConflictException e) {
                    if (!DockerErrors.engineMessage(e).contains("already in progress")) {
                        throw e;
                    }
                }
            });
        });
    }

    /**
     * Where the running instance's container port {@code asked} (its main port when {@code null})
     * is served: its published host address and port, or, for an instance on a network, its address
     * on that network and the container port itself. Only ports its labels record are answered for.
     */
    Mono<Upstream> upstream(WorkspaceId id, @Nullable Integer asked) {
        String name = ManagedNames.workspace(id);
        return Mono.defer(() -> {
                    if (asked != null) {
                        ExposedPorts.requireValid(asked);
                    }
                    return inspect(name);
                })
                .filter(container -> ManagedNames.isManaged(container.getConfig().getLabels()))
                .switchIfEmpty(Mono.error(() -> new NotFoundException(ProblemType.INSTANCE_NOT_FOUND,
                        "workspace " + id + " has no instance (no managed container " + name + ")")))
                .map(container -> {
                    InstanceStatus status = ContainerStates.toStatus(id, container);
                    if (status.port() == null) {
                        throw new BackendFailureException(ProblemType.BACKEND_ERROR, "inspect container " + name
                                + ": no label " + DockerNames.PORT + " recording its port", null);
                    }
                    int port = asked == null ? status.port()
                            : ExposedPorts.requireExposed(name, asked, status.port(), status.ports());
                    if (status.state() != InstanceState.RUNNING) {
                        throw new ConflictException(ProblemType.INSTANCE_NOT_RUNNING, "instance " + name + " is "
                                + status.state().wire() + (status.reason() == null ? "" : " (" + status.reason() + ")"));
                    }
                    String network = DockerNames.network(container.getConfig().getLabels());
                    return network == null ? new Upstream(calls.config().upstreamHost(), hostPort(name, container, port))
                            : new Upstream(networkAddress(name, container, network), port);
                });
    }

    /**
     * Completes when the runtime's network exists on the engine (at once when it has none); fails
     * with a {@link BackendFailureException} naming the network and the fix otherwise.
     */
    Mono<Void> requireNetwork() {
        String network = calls.config().network();
        if (network == null) {
            return Mono.empty();
        }
        return calls.run("inspect network", network, client -> {
            try {
                client.inspectNetworkCmd().withNetworkId(network).exec();
            } catch (com.github.dockerjava.api.exception.NotFoundException e) {
                throw new BackendFailureException(ProblemType.BACKEND_ERROR, "Docker network '" + network
                        + "' (the runtime's network setting) does not exist on the engine at "
                        + calls.config().dockerHost() + ": create it (docker network create " + network
                        + ") or name an existing network", e);
            }
        });
    }

    /** Managed instances whose workspace id starts with {@code prefix}, sorted by workspace id. */
    Mono<List<InstanceStatus>> list(String prefix) {
        if (!ManagedNames.isWorkspacePrefix(prefix)) {
            return Mono.error(ManagedNames.invalidWorkspacePrefix(prefix));
        }
        return calls.call("list containers", "labelled " + ManagedNames.MANAGED, client -> client.listContainersCmd()
                        .withShowAll(true).withLabelFilter(Map.of(ManagedNames.MANAGED, "true")).exec())
                .flatMapMany(Flux::fromIterable)
                .filter(container -> isInstance(container, prefix))
                .flatMap(container -> {
                    WorkspaceId id = ManagedNames.workspaceOf(container.getLabels());
                    return inspect(ManagedNames.workspace(id)).map(inspected -> ContainerStates.toStatus(id, inspected));
                }, LIST_CONCURRENCY)
                .collectSortedList(Comparator.comparing(status -> status.workspaceId().value()));
    }

    /** The container named {@code name}, managed or not; empty when there is none. */
    Mono<InspectContainerResponse> inspect(String name) {
        return calls.call("inspect container", name, client -> {
            try {
                return client.inspectContainerCmd(name).exec();
            } catch (com.github.dockerjava.api.exception.NotFoundException e) {
                return null;
            }
        });
    }

    private Mono<InspectContainerResponse> create(WorkspaceId id, InstanceSpec spec) {
        String name = ManagedNames.workspace(id);
        return calls.call("create container", name, client -> {
            try {
                containerFor(client, id, spec).exec();
                log.info("created instance {} from image {}", name, spec.image());
                return true;
            } catch (com.github.dockerjava.api.exception.ConflictException e) {
                log.debug("instance {} was created concurrently: {}", name, DockerErrors.engineMessage(e));
                return false;
            }
        }).flatMap(createdHere -> createdHere ? inspect(name)
                // The engine reserves a name before the container can be inspected by it.
                : inspect(name).repeatWhenEmpty(CONCURRENT_CREATE_RETRIES, ticks -> ticks.delayElements(CONCURRENT_CREATE_POLL)))
                .switchIfEmpty(Mono.error(() -> new NotFoundException(ProblemType.INSTANCE_NOT_FOUND,
                        "instance " + name + " disappeared while it was being created")));
    }

    private CreateContainerCmd containerFor(DockerClient client, WorkspaceId id, InstanceSpec spec) {
        String name = ManagedNames.workspace(id);
        String network = calls.config().network();
        List<ExposedPort> ports = new ArrayList<>();
        Ports bindings = new Ports();
        for (int containerPort : concat(spec.port(), spec.ports())) {
            ExposedPort port = ExposedPort.tcp(containerPort);
            ports.add(port);
            if (network == null) {
                bindings.bind(port, Ports.Binding.bindIp(calls.config().publishAddress()));
            }
        }
        HostConfig host = HostConfig.newHostConfig()
                .withMounts(List.of(new Mount().withType(MountType.VOLUME).withSource(name).withTarget(spec.mountPath())))
                .withRestartPolicy(RestartPolicy.unlessStoppedRestart());
        if (network == null) {
            host.withPortBindings(bindings);
        } else {
            // On the network only (not also the default bridge): reached there, by nothing else.
            host.withNetworkMode(network);
        }
        if (spec.memoryMb() != null) {
            host.withMemory(spec.memoryMb() * 1024L * 1024L);
        }
        if (spec.cpus() != null) {
            host.withNanoCPUs(Math.round(spec.cpus() * 1_000_000_000d));
        }
        Map<String, String> labels = new HashMap<>(ManagedNames.workspaceLabels(id));
        labels.put(DockerNames.IMAGE, spec.image());
        labels.putAll(DockerNames.portLabels(spec.port(), spec.ports()));
        if (network != null) {
            labels.put(DockerNames.NETWORK, network);
        }
        List<String> env = new ArrayList<>();
        spec.env().forEach((key, value) -> env.add(key + "=" + value));
        CreateContainerCmd create = client.createContainerCmd(spec.image()).withName(name).withLabels(labels)
                .withEnv(env).withExposedPorts(ports).withHostConfig(host);
        // Like Kubernetes' command: it replaces the image's entrypoint, and with it the image's CMD.
        return spec.command().isEmpty() ? create : create.withEntrypoint(spec.command());
    }

    private Mono<InspectContainerResponse> startIfStopped(String name, InspectContainerResponse container) {
        String status = container.getState() == null ? "" : String.valueOf(container.getState().getStatus());
        if (!status.equals("created") && !status.equals("exited")) {
            return Mono.just(container);
        }
        return calls.run("start container", name, client -> {
            try {
                client.startContainerCmd(container.getId()).exec();
                log.info("started instance {}", name);
            } catch (NotModifiedException e) {
                log.debug("instance {} was started concurrently", name);
            }
        }).then(inspect(name)).defaultIfEmpty(container);
    }

    private static boolean isInstance(Container container, String prefix) {
        Map<String, String> labels = container.getLabels();
        WorkspaceId id = ManagedNames.workspaceOf(labels);
        if (id == null || labels.containsKey(ManagedNames.JOB) || !id.value().startsWith(prefix)) {
            return false;
        }
        String[] names = container.getNames();
        return names != null && List.of(names).contains("/" + ManagedNames.workspace(id));
    }

    private static List<Integer> concat(int port, List<Integer> ports) {
        List<Integer> all = new ArrayList<>(ports.size() + 1);
        all.add(port);
        all.addAll(ports);
        return all;
    }

    /** The container's address on {@code network} (IPv4 when it has one), where its ports are served. */
    private static String networkAddress(String name, InspectContainerResponse container, String network) {
        Map<String, ContainerNetwork> networks = container.getNetworkSettings() == null
                || container.getNetworkSettings().getNetworks() == null ? Map.of()
                        : container.getNetworkSettings().getNetworks();
        ContainerNetwork joined = networks.get(network);
        if (joined == null) {
            // The setting may name the network by id; the engine keys its answer by name.
            joined = networks.values().stream()
                    .filter(n -> n.getNetworkID() != null && n.getNetworkID().startsWith(network))
                    .findFirst().orElse(null);
        }
        if (joined != null) {
            if (joined.getIpAddress() != null && !joined.getIpAddress().isBlank()) {
                return joined.getIpAddress();
            }
            if (joined.getGlobalIPv6Address() != null && !joined.getGlobalIPv6Address().isBlank()) {
                return joined.getGlobalIPv6Address();
            }
        }
        throw new BackendFailureException(ProblemType.BACKEND_ERROR, "inspect container " + name + ": no address on "
                + "Docker network '" + network + "' (it is on: " + String.join(", ", networks.keySet()) + ")", null);
    }

    /** The host port the engine published container port {@code port} on. */
    private static int hostPort(String name, InspectContainerResponse container, int port) {
        Map<ExposedPort, Ports.Binding[]> bindings = container.getNetworkSettings() == null
                || container.getNetworkSettings().getPorts() == null ? Map.of()
                        : container.getNetworkSettings().getPorts().getBindings();
        Ports.Binding[] published = bindings.get(ExposedPort.tcp(port));
        if (published != null) {
            for (Ports.Binding binding : published) {
                String spec = binding.getHostPortSpec();
                if (spec != null && spec.matches("\\d{1,5}")) {
                    return Integer.parseInt(spec);
                }
            }
        }
        throw new BackendFailureException(ProblemType.BACKEND_ERROR,
                "inspect container " + name + ": no published host port for container port " + port, null);
    }
}
