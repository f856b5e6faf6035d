package io.codehub.runtime.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.Ports;
import io.codehub.runtime.BackendFailureException;
import io.codehub.runtime.BackendUnavailableException;
import io.codehub.runtime.ConflictException;
import io.codehub.runtime.HealthStatus;
import io.codehub.runtime.ImagePullPolicy;
import io.codehub.runtime.InstanceSpec;
import io.codehub.runtime.InstanceState;
import io.codehub.runtime.InstanceStatus;
import io.codehub.runtime.InvalidSpecException;
import io.codehub.runtime.NotFoundException;
import io.codehub.runtime.ProblemType;
import io.codehub.runtime.RuntimeProblemException;
import io.codehub.runtime.Upstream;
import io.codehub.runtime.VolumeInfo;
import io.codehub.runtime.WorkspaceId;
import io.codehub.runtime.support.ManagedNames;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/**
 * {@link DockerRuntime} against the real local dockerd: instances, volumes, foreign resources,
 * image policies and an unreachable engine. Jobs are in {@link DockerJobsIT}. Every container and
 * volume a test touches is removed afterwards, even when the test fails.
 */
class DockerRuntimeIT {

    static final Duration CALL = Duration.ofSeconds(60);
    static final List<String> HTTPD = List.of("httpd", "-f", "-p", "8080", "-h", "/home/coder");

    @TempDir
    static Path archives;

    static DockerTestSupport docker;
    static DockerRuntime runtime;

    @BeforeAll
    static void start() {
        docker = new DockerTestSupport();
        runtime = new DockerRuntime(DockerRuntimeConfig.builder().archiveDir(archives).agentVersion("it").build());
    }

    @AfterEach
    void cleanUp() {
        docker.cleanUp();
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            docker.close();
        } finally {
            runtime.close();
        }
    }

    static InstanceSpec httpd() {
        return InstanceSpec.of(DockerTestSupport.IMAGE, HTTPD, Map.of("GREETING", "hi"), 8080, null, null,
                ImagePullPolicy.NEVER, 64, 0.5);
    }

    static void awaitState(WorkspaceId id, InstanceState state) {
        await().atMost(CALL).pollInterval(Duration.ofMillis(200))
                .until(() -> runtime.instanceStatus(id).block(CALL).state() == state);
    }

    static void assertProblem(Mono<?> call, Class<? extends RuntimeProblemException> type, ProblemType problem) {
        StepVerifier.create(call)
                .expectErrorSatisfies(error -> assertThat(error).isInstanceOf(type)
                        .satisfies(e -> assertThat(((RuntimeProblemException) e).type()).isEqualTo(problem)))
                .verify(CALL);
    }

    @Test
    void upstreamServesTheWorkspaceOverLoopback() throws Exception {
        WorkspaceId id = docker.newWorkspace("it-");
        InstanceStatus started = runtime.startInstance(id, httpd()).block(CALL);
        assertThat(started.state()).isEqualTo(InstanceState.RUNNING);
        assertThat(started.image()).isEqualTo(DockerTestSupport.IMAGE);
        assertThat(started.startedAt()).isNotNull();

        var container = docker.client().inspectContainerCmd(ManagedNames.workspace(id)).exec();
        assertThat(container.getConfig().getLabels()).containsEntry("io.codehub.managed", "true")
                .containsEntry("io.codehub.workspace", id.value())
                .containsEntry("io.codehub.image", DockerTestSupport.IMAGE);
        assertThat(container.getHostConfig().getMemory()).isEqualTo(64L * 1024 * 1024);
        assertThat(container.getHostConfig().getNanoCPUs()).isEqualTo(500_000_000L);
        assertThat(container.getHostConfig().getRestartPolicy().getName()).isEqualTo("unless-stopped");
        assertThat(container.getConfig().getEnv()).contains("GREETING=hi");
        assertThat(docker.volumeOf(id).getLabels()).containsEntry("io.codehub.managed", "true")
                .containsEntry("io.codehub.workspace", id.value());

        docker.sh(id, "echo 'hello from the volume' > /home/coder/hello.txt");
        Upstream upstream = runtime.upstream(id).block(CALL);
        assertThat(upstream.host()).isEqualTo("127.0.0.1");
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpRequest get = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + upstream.port() + "/hello.txt"))
                .timeout(Duration.ofSeconds(5)).build();
        String body = await().atMost(CALL).ignoreExceptions()
                .until(() -> http.send(get, HttpResponse.BodyHandlers.ofString()),
                        response -> response.statusCode() == 200)
                .body();
        assertThat(body).isEqualTo("hello from the volume\n");
    }

    @Test
    @Timeout(120)
    void additionalPortsArePublishedOnLoopbackAndReachTheirOwnContainerPort() throws Exception {
        WorkspaceId id = docker.newWorkspace("it-");
        // A workspace httpd on 8080 and, as a dev server would, another on 3000 serving other content.
        InstanceSpec spec = InstanceSpec.of(DockerTestSupport.IMAGE, List.of("sh", "-c",
                "mkdir -p /tmp/dev && echo 'from the dev server' > /tmp/dev/index.html"
                        + " && httpd -p 8080 -h /home/coder && exec httpd -f -p 3000 -h /tmp/dev"),
                null, 8080, List.of(3000), null, ImagePullPolicy.NEVER, null, null);
        InstanceStatus started = runtime.startInstance(id, spec).block(CALL);
        assertThat(started.port()).isEqualTo(8080);
        assertThat(started.ports()).containsExactly(3000);
        awaitState(id, InstanceState.RUNNING);

        var container = docker.client().inspectContainerCmd(ManagedNames.workspace(id)).exec();
        assertThat(container.getConfig().getLabels()).containsEntry("io.codehub.port", "8080")
                .containsEntry("io.codehub.ports", "3000");
        var bindings = container.getHostConfig().getPortBindings().getBindings();
        assertThat(bindings).containsOnlyKeys(ExposedPort.tcp(8080), ExposedPort.tcp(3000));
        assertThat(bindings.values()).allSatisfy(published -> assertThat(published)
                .extracting(Ports.Binding::getHostIp).containsOnly("127.0.0.1"));

        docker.sh(id, "echo 'from the workspace' > /home/coder/index.html");
        Upstream main = runtime.upstream(id).block(CALL);
        Upstream dev = runtime.upstream(id, 3000).block(CALL);
        assertThat(runtime.upstream(id, 8080).block(CALL)).isEqualTo(main);
        assertThat(dev.host()).isEqualTo("127.0.0.1");
        assertThat(dev.port()).isNotEqualTo(main.port());
        assertThat(get(dev, "/index.html")).isEqualTo("from the dev server\n");
        assertThat(get(main, "/index.html")).isEqualTo("from the workspace\n");

        assertThatThrownBy(() -> runtime.upstream(id, 3001).block(CALL))
                .isInstanceOfSatisfying(NotFoundException.class,
                        e -> assertThat(e.type()).isEqualTo(ProblemType.PORT_NOT_EXPOSED))
                .hasMessage("instance " + ManagedNames.workspace(id) + " does not expose port 3001 (exposed: 8080, 3000)");

        // Stopped: the ports are still what it exposes, but nothing serves them.
        docker.client().stopContainerCmd(ManagedNames.workspace(id)).withTimeout(1).exec();
        awaitState(id, InstanceState.EXITED);
        assertThat(runtime.instanceStatus(id).block(CALL).ports()).containsExactly(3000);
        assertProblem(runtime.upstream(id, 3000), ConflictException.class, ProblemType.INSTANCE_NOT_RUNNING);
        assertProblem(runtime.upstream(id, 3001), NotFoundException.class, ProblemType.PORT_NOT_EXPOSED);
    }

    private static String randomHex() {
        byte[] random = new byte[4];
        ThreadLocalRandom.current().nextBytes(random);
        return HexFormat.of().formatHex(random);
    }

    /** The body of an HTTP GET of {@code path} at {@code upstream} (a loopback address), once it answers 200. */
    private static String get(Upstream upstream, String path) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpRequest get = HttpRequest.newBuilder(URI.create("http://" + upstream.host() + ":" + upstream.port() + path))
                .timeout(Duration.ofSeconds(5)).build();
        return await().atMost(Duration.ofSeconds(20)).ignoreExceptions()
                .until(() -> http.send(get, HttpResponse.BodyHandlers.ofString()),
                        response -> response.statusCode() == 200)
                .body();
    }

    @Test
    @Timeout(180)
    void onANetworkInstancesPublishNothingAndTheirUpstreamIsTheirAddressThere() throws Exception {
        String network = "codehub-it-net-" + randomHex();
        String client = network + "-client";
        docker.client().createNetworkCmd().withName(network).withDriver("bridge")
                .withLabels(Map.of("io.codehub.test", "DockerRuntimeIT")).exec();
        DockerRuntime onNetwork = new DockerRuntime(DockerRuntimeConfig.builder().archiveDir(archives)
                .network(network).agentVersion("it").build());
        try {
            assertThat(onNetwork.health().block(CALL).status()).isEqualTo(HealthStatus.UP);
            WorkspaceId id = docker.newWorkspace("it-");
            InstanceSpec spec = InstanceSpec.of(DockerTestSupport.IMAGE, List.of("sh", "-c",
                    "mkdir -p /tmp/dev && echo 'from the dev server' > /tmp/dev/index.html"
                            + " && httpd -p 8080 -h /home/coder && exec httpd -f -p 3000 -h /tmp/dev"),
                    null, 8080, List.of(3000), null, ImagePullPolicy.NEVER, null, null);
            assertThat(onNetwork.startInstance(id, spec).block(CALL).state()).isEqualTo(InstanceState.RUNNING);

            var container = docker.client().inspectContainerCmd(ManagedNames.workspace(id)).exec();
            assertThat(container.getConfig().getLabels()).containsEntry("io.codehub.network", network);
            assertThat(container.getHostConfig().getNetworkMode()).isEqualTo(network);
            Ports published = container.getHostConfig().getPortBindings();
            assertThat(published == null ? Map.of() : published.getBindings()).as("nothing published").isEmpty();
            assertThat(container.getNetworkSettings().getNetworks()).containsOnlyKeys(network);
            String address = container.getNetworkSettings().getNetworks().get(network).getIpAddress();
            assertThat(address).isNotBlank();

            docker.sh(id, "echo 'from the workspace' > /home/coder/index.html");
            assertThat(onNetwork.upstream(id).block(CALL)).isEqualTo(new Upstream(address, 8080));
            assertThat(onNetwork.upstream(id, 8080).block(CALL)).isEqualTo(new Upstream(address, 8080));
            assertThat(onNetwork.upstream(id, 3000).block(CALL)).isEqualTo(new Upstream(address, 3000));
            assertProblem(onNetwork.upstream(id, 3001), NotFoundException.class, ProblemType.PORT_NOT_EXPOSED);
            // The container's label decides, not the runtime's current setting.
            assertThat(runtime.upstream(id, 3000).block(CALL)).isEqualTo(new Upstream(address, 3000));

            // Served there to another container on the network (never dialled from this test's namespace).
            String clientId = docker.client().createContainerCmd(DockerTestSupport.IMAGE).withName(client)
                    .withLabels(Map.of("io.codehub.test", "DockerRuntimeIT")).withCmd("sleep", "300")
                    .withHostConfig(HostConfig.newHostConfig().withNetworkMode(network))
                    .exec().getId();
            docker.client().startContainerCmd(clientId).exec();
            for (Upstream upstream : List.of(onNetwork.upstream(id).block(CALL), onNetwork.upstream(id, 3000).block(CALL))) {
                String url = "http://" + upstream.host() + ":" + upstream.port() + "/index.html";
                DockerTestSupport.ExecResult fetched = await().atMost(Duration.ofSeconds(30))
                        .pollInterval(Duration.ofMillis(500))
                        .until(() -> docker.exec(client, "wget", "-q", "-O", "-", url), r -> r.exitCode() == 0);
                assertThat(fetched.stdout()).isEqualTo(upstream.port() == 8080 ? "from the workspace\n" : "from the dev server\n");
            }

            docker.client().stopContainerCmd(ManagedNames.workspace(id)).withTimeout(1).exec();
            awaitState(id, InstanceState.EXITED);
            assertProblem(onNetwork.upstream(id), ConflictException.class, ProblemType.INSTANCE_NOT_RUNNING);
        } finally {
            onNetwork.close();
            docker.cleanUp();
            try {
                docker.client().removeContainerCmd(client).withForce(true).exec();
            } catch (com.github.dockerjava.api.exception.NotFoundException e) {
                // never created
            }
            docker.client().removeNetworkCmd(network).exec();
        }
    }

    @Test
    void aMissingNetworkFailsTheStartAndTheHealthNamingIt() {
        String network = "codehub-it-absent-" + randomHex();
        DockerRuntime misconfigured = new DockerRuntime(DockerRuntimeConfig.builder().archiveDir(archives)
                .network(network).agentVersion("it").build());
        try {
            String expected = "Docker network '" + network + "' (the runtime's network setting) does not exist on the "
                    + "engine at " + DockerTestSupport.DOCKER_HOST + ": create it (docker network create " + network
                    + ") or name an existing network";
            var health = misconfigured.health().block(CALL);
            assertThat(health.status()).isEqualTo(HealthStatus.DOWN);
            assertThat(health.detail()).isEqualTo(expected);

            WorkspaceId id = docker.newWorkspace("it-");
            assertThatThrownBy(() -> misconfigured.startInstance(id, httpd()).block(CALL))
                    .isInstanceOfSatisfying(BackendFailureException.class,
                            e -> assertThat(e.type()).isEqualTo(ProblemType.BACKEND_ERROR))
                    .hasMessage(expected);
            assertThat(docker.containersOf(id)).isEmpty();
            assertThat(docker.volumeOf(id)).as("nothing created before the network was found missing").isNull();
        } finally {
            misconfigured.close();
        }
    }

    @Test
    void startIsIdempotentAndConcurrentStartsConverge() {
        WorkspaceId id = docker.newWorkspace("it-");
        List<InstanceStatus> started = Flux.range(0, 4)
                .flatMap(i -> runtime.startInstance(id, httpd()))
                .collectList().block(CALL);
        assertThat(started).hasSize(4).allSatisfy(status -> assertThat(status.state()).isEqualTo(InstanceState.RUNNING));
        String containerId = docker.client().inspectContainerCmd(ManagedNames.workspace(id)).exec().getId();

        InstanceStatus again = runtime.startInstance(id, InstanceSpec.ofImage("another/image:1")).block(CALL);
        assertThat(again.state()).isEqualTo(InstanceState.RUNNING);
        assertThat(again.image()).as("an existing container is started as it is").isEqualTo(DockerTestSupport.IMAGE);
        assertThat(docker.containersOf(id)).extracting(c -> c.getId()).containsExactly(containerId);
    }

    @Test
    void stoppedInstanceIsExitedWithoutUpstreamAndStartsAgain() {
        WorkspaceId id = docker.newWorkspace("it-");
        runtime.startInstance(id, httpd()).block(CALL);
        docker.client().stopContainerCmd(ManagedNames.workspace(id)).withTimeout(1).exec();

        InstanceStatus stopped = runtime.instanceStatus(id).block(CALL);
        assertThat(stopped.state()).isEqualTo(InstanceState.EXITED);
        assertThat(stopped.reason()).matches("exit code \\d+");
        assertProblem(runtime.upstream(id), ConflictException.class, ProblemType.INSTANCE_NOT_RUNNING);

        assertThat(runtime.startInstance(id, httpd()).block(CALL).state()).isEqualTo(InstanceState.RUNNING);
        assertThat(runtime.upstream(id).block(CALL).port()).isPositive();
    }

    @Test
    void deleteKeepsTheVolumeAndIsIdempotent() {
        WorkspaceId id = docker.newWorkspace("it-");
        runtime.startInstance(id, httpd()).block(CALL);
        runtime.deleteInstance(id).block(CALL);
        assertThat(docker.containersOf(id)).isEmpty();
        assertThat(runtime.instanceStatus(id).block(CALL)).isEqualTo(InstanceStatus.missing(id));
        runtime.deleteInstance(id).block(CALL);
        assertThat(runtime.volumeExists(id).block(CALL)).isTrue();
        assertProblem(runtime.upstream(id), NotFoundException.class, ProblemType.INSTANCE_NOT_FOUND);
    }

    @Test
    void listInstancesFiltersByPrefixSortsAndValidates() {
        WorkspaceId base = docker.newWorkspace("it-");
        WorkspaceId second = docker.track(WorkspaceId.of(base.value() + "-b"));
        WorkspaceId first = docker.track(WorkspaceId.of(base.value() + "-a"));
        runtime.startInstance(second, httpd()).block(CALL);
        runtime.startInstance(first, httpd()).block(CALL);

        assertThat(runtime.listInstances(base.value()).block(CALL))
                .extracting(InstanceStatus::workspaceId).containsExactly(first, second);
        assertThat(runtime.listInstances(base.value()).block(CALL))
                .allSatisfy(status -> assertThat(status.state()).isEqualTo(InstanceState.RUNNING));
        assertThat(runtime.listInstances("").block(CALL)).extracting(InstanceStatus::workspaceId).contains(first, second);
        assertThat(runtime.listVolumes().block(CALL)).extracting(VolumeInfo::workspaceId).contains(first, second)
                .isSortedAccordingTo((a, b) -> a.value().compareTo(b.value()));
        assertProblem(runtime.listInstances("Upper"), InvalidSpecException.class, ProblemType.INVALID_SPEC);
        assertProblem(runtime.listInstances("a".repeat(64)), InvalidSpecException.class, ProblemType.INVALID_SPEC);
    }

    @Test
    void volumesAreIdempotentAndCarryTheirCreationTime() {
        WorkspaceId id = docker.newWorkspace("it-");
        assertThat(runtime.volumeExists(id).block(CALL)).isFalse();
        VolumeInfo created = runtime.createVolume(id).block(CALL);
        assertThat(created.name()).isEqualTo("codehub-ws-" + id);
        assertThat(created.createdAt()).isNotNull();
        assertThat(runtime.createVolume(id).block(CALL)).isEqualTo(created);
        assertThat(runtime.listVolumes().block(CALL)).contains(created);
        runtime.deleteVolume(id).block(CALL);
        runtime.deleteVolume(id).block(CALL);
        assertThat(docker.volumeOf(id)).isNull();
    }

    @Test
    void volumeInUseCannotBeDeleted() {
        WorkspaceId id = docker.newWorkspace("it-");
        runtime.startInstance(id, httpd()).block(CALL);
        assertThatThrownBy(() -> runtime.deleteVolume(id).block(CALL))
                .isInstanceOf(ConflictException.class)
                .hasMessage("volume codehub-ws-" + id + " is used by container codehub-ws-" + id);
        runtime.deleteInstance(id).block(CALL);
        runtime.deleteVolume(id).block(CALL);
        assertThat(docker.volumeOf(id)).isNull();
    }

    @Test
    void foreignContainerIsNeverTouched() {
        WorkspaceId id = docker.newWorkspace("it-");
        String foreign = docker.createForeignContainer(id);

        assertThat(runtime.instanceStatus(id).block(CALL)).isEqualTo(InstanceStatus.missing(id));
        assertProblem(runtime.startInstance(id, httpd()), ConflictException.class, ProblemType.FOREIGN_RESOURCE);
        assertProblem(runtime.deleteInstance(id), ConflictException.class, ProblemType.FOREIGN_RESOURCE);
        assertProblem(runtime.upstream(id), NotFoundException.class, ProblemType.INSTANCE_NOT_FOUND);
        assertThat(runtime.listInstances(id.value()).block(CALL)).isEmpty();

        var container = docker.client().inspectContainerCmd(foreign).exec();
        assertThat(container.getState().getRunning()).isTrue();
        assertThat(container.getConfig().getLabels()).doesNotContainKey("io.codehub.managed");
        assertThat(docker.containersOf(id)).hasSize(1);
        assertThat(docker.volumeOf(id)).as("no volume created for a foreign container").isNull();
    }

    @Test
    void foreignVolumeIsNeverTouched() {
        WorkspaceId id = docker.newWorkspace("it-");
        docker.createForeignVolume(id);

        assertThat(runtime.volumeExists(id).block(CALL)).isFalse();
        assertProblem(runtime.createVolume(id), ConflictException.class, ProblemType.FOREIGN_RESOURCE);
        assertProblem(runtime.deleteVolume(id), ConflictException.class, ProblemType.FOREIGN_RESOURCE);
        assertThat(runtime.listVolumes().block(CALL)).extracting(VolumeInfo::workspaceId).doesNotContain(id);
        assertProblem(runtime.startInstance(id, httpd()), ConflictException.class, ProblemType.FOREIGN_RESOURCE);
        assertProblem(runtime.startArchive(new io.codehub.runtime.ArchiveRequest(id)), NotFoundException.class,
                ProblemType.VOLUME_NOT_FOUND);

        assertThat(docker.volumeOf(id).getLabels()).containsEntry("test", "foreign")
                .doesNotContainKey("io.codehub.managed");
        assertThat(docker.containersOf(id)).isEmpty();
    }

    @Test
    void missingImageUnderNeverLeavesNothingBehind() {
        WorkspaceId id = docker.newWorkspace("it-");
        String image = "codehub/absent:never-" + id.value();
        assertThatThrownBy(() -> runtime.startInstance(id, InstanceSpec.of(image, null, null, null, null, null,
                ImagePullPolicy.NEVER, null, null)).block(CALL))
                .isInstanceOf(InvalidSpecException.class)
                .hasMessage("image '" + image + "' is not present on the Docker engine and imagePullPolicy is Never")
                .satisfies(e -> assertThat(((InvalidSpecException) e).type()).isEqualTo(ProblemType.IMAGE_UNAVAILABLE));
        assertThat(docker.containersOf(id)).isEmpty();
        assertThat(docker.volumeOf(id)).isNull();
    }

    @Test
    void failedPullIsImageUnavailableAndLeavesNothingBehind() {
        WorkspaceId id = docker.newWorkspace("it-");
        // Loopback port 1: the pull fails on this machine; no traffic ever leaves it.
        String image = "127.0.0.1:1/codehub/absent:1";
        assertThatThrownBy(() -> runtime.startInstance(id, InstanceSpec.ofImage(image)).block(CALL))
                .isInstanceOf(InvalidSpecException.class)
                .hasMessageStartingWith("image '" + image + "' could not be pulled: ")
                .hasMessageContaining("127.0.0.1:1")
                .satisfies(e -> assertThat(((InvalidSpecException) e).type()).isEqualTo(ProblemType.IMAGE_UNAVAILABLE));
        assertThat(docker.containersOf(id)).isEmpty();
        assertThat(docker.volumeOf(id)).isNull();
    }

    @Test
    void healthReportsTheEngine() {
        var health = runtime.health().block(CALL);
        assertThat(health.status()).isEqualTo(HealthStatus.UP);
        assertThat(health.runtime()).isEqualTo("docker");
        assertThat(health.version()).isEqualTo("it");
        assertThat(health.backend()).matches("Docker Engine \\S+ \\(API 1\\.\\d+\\)");
        assertThat(health.detail()).isNull();
    }

    @Test
    void unreachableEngineIsBackendUnavailableAndHealthDown() {
        for (String host : List.of("tcp://127.0.0.1:1", "unix:///nonexistent/docker.sock")) {
            DockerRuntime unreachable = new DockerRuntime(DockerRuntimeConfig.builder().archiveDir(archives)
                    .dockerHost(URI.create(host)).callTimeout(Duration.ofSeconds(5)).build());
            try {
                WorkspaceId id = WorkspaceId.of("it-unreachable");
                for (Mono<?> call : List.of(unreachable.instanceStatus(id), unreachable.startInstance(id, httpd()),
                        unreachable.listVolumes(), unreachable.deleteInstance(id))) {
                    assertThatThrownBy(() -> call.block(CALL))
                            .isInstanceOf(BackendUnavailableException.class)
                            .hasMessageStartingWith("Docker engine unreachable at " + host + ": ");
                }
                var health = unreachable.health().block(CALL);
                assertThat(health.status()).isEqualTo(HealthStatus.DOWN);
                assertThat(health.backend()).isNull();
                assertThat(health.detail()).startsWith("Docker engine unreachable at " + host + ": ");
            } finally {
                unreachable.close();
            }
        }
    }
}
