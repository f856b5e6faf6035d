package io.codehub.runtime.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.codehub.runtime.ArchiveKey;
import io.codehub.runtime.ArchiveRequest;
import io.codehub.runtime.BackendUnavailableException;
import io.codehub.runtime.ConflictException;
import io.codehub.runtime.HealthStatus;
import io.codehub.runtime.ImagePullPolicy;
import io.codehub.runtime.InstanceSpec;
import io.codehub.runtime.InstanceState;
import io.codehub.runtime.InstanceStatus;
import io.codehub.runtime.JobState;
import io.codehub.runtime.JobStatus;
import io.codehub.runtime.NotFoundException;
import io.codehub.runtime.ProblemType;
import io.codehub.runtime.RestoreRequest;
import io.codehub.runtime.RuntimeProblemException;
import io.codehub.runtime.Upstream;
import io.codehub.runtime.WorkspaceId;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Mono;

/**
 * What the contract kit does not cover, on the mock server with the fake kubelet: failure phases,
 * foreign objects of our names, the shape of the objects the runtime creates, a corrupted archive,
 * and an unreachable API server.
 */
class KubernetesRuntimeTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    static MockCluster cluster;
    static KubernetesRuntime runtime;

    @BeforeAll
    static void start() {
        cluster = MockCluster.start();
        runtime = new KubernetesRuntime(KubernetesRuntimeConfig.builder().namespace(MockCluster.NAMESPACE)
                .callTimeout(Duration.ofSeconds(10)).build(), cluster.newClient());
    }

    @AfterAll
    static void stop() {
        try {
            runtime.close();
        } finally {
            cluster.close();
        }
    }

    static InstanceSpec spec(String image) {
        return InstanceSpec.of(image, List.of("httpd", "-f", "-p", "3000"), Map.of("GREETING", "hello"), 3000,
                List.of(5173, 9229), "/workspace", ImagePullPolicy.NEVER, 256, 0.5);
    }

    static <T> T call(Mono<T> mono) {
        return mono.block(WAIT);
    }

    static void assertProblem(Mono<?> mono, Class<? extends RuntimeProblemException> type, ProblemType problem) {
        assertThatThrownBy(() -> mono.block(WAIT)).isInstanceOf(type)
                .satisfies(e -> assertThat(((RuntimeProblemException) e).type()).isEqualTo(problem));
    }

    InstanceStatus awaitState(WorkspaceId id, InstanceState state) {
        return await().atMost(WAIT).until(() -> call(runtime.instanceStatus(id)), status -> status.state() == state);
    }

    @Test
    void createsAPodAndAClaimOfTheExpectedShape() {
        WorkspaceId id = WorkspaceId.of("kt-shape");
        call(runtime.startInstance(id, spec("codehub/workspace:test")));
        KubernetesClient admin = cluster.admin();
        Pod pod = admin.pods().inNamespace(MockCluster.NAMESPACE).withName("codehub-ws-kt-shape").get();
        assertThat(pod.getMetadata().getLabels()).containsEntry("io.codehub.managed", "true")
                .containsEntry("io.codehub.workspace", "kt-shape");
        assertThat(pod.getSpec().getAutomountServiceAccountToken()).isFalse();
        assertThat(pod.getSpec().getRestartPolicy()).isEqualTo("Always");
        var container = pod.getSpec().getContainers().get(0);
        assertThat(container.getCommand()).containsExactly("httpd", "-f", "-p", "3000");
        assertThat(container.getImagePullPolicy()).isEqualTo("Never");
        assertThat(container.getPorts()).extracting(ContainerPort::getName, ContainerPort::getContainerPort,
                ContainerPort::getProtocol).containsExactly(tuple("http", 3000, "TCP"), tuple("port-5173", 5173, "TCP"),
                tuple("port-9229", 9229, "TCP"));
        assertThat(container.getEnv()).singleElement().satisfies(env -> assertThat(env.getValue()).isEqualTo("hello"));
        assertThat(container.getResources().getLimits()).containsEntry("memory", new Quantity("256Mi"))
                .containsEntry("cpu", new Quantity("500m"));
        assertThat(container.getResources().getRequests()).isEqualTo(container.getResources().getLimits());
        assertThat(container.getVolumeMounts()).singleElement()
                .satisfies(mount -> assertThat(mount.getMountPath()).isEqualTo("/workspace"));
        assertThat(pod.getSpec().getVolumes()).singleElement().satisfies(volume ->
                assertThat(volume.getPersistentVolumeClaim().getClaimName()).isEqualTo("codehub-ws-kt-shape"));
        var claim = admin.persistentVolumeClaims().inNamespace(MockCluster.NAMESPACE).withName("codehub-ws-kt-shape").get();
        assertThat(claim.getMetadata().getLabels()).containsEntry("io.codehub.managed", "true");
        assertThat(claim.getSpec().getResources().getRequests()).containsEntry("storage", new Quantity("10Gi"));
        assertThat(claim.getSpec().getAccessModes()).containsExactly("ReadWriteOnce");

        awaitState(id, InstanceState.RUNNING);
        var upstream = call(runtime.upstream(id));
        assertThat(upstream.port()).isEqualTo(3000);
        assertThat(upstream.host()).startsWith("127.0.");
        assertThat(call(runtime.upstream(id, 9229))).isEqualTo(new Upstream(upstream.host(), 9229));
        assertThat(call(runtime.instanceStatus(id)).ports()).containsExactly(5173, 9229);
        assertThatThrownBy(() -> runtime.upstream(id, 8080).block(WAIT))
                .isInstanceOfSatisfying(NotFoundException.class,
                        e -> assertThat(e.type()).isEqualTo(ProblemType.PORT_NOT_EXPOSED))
                .hasMessage("instance codehub-ws-kt-shape does not expose port 8080 (exposed: 3000, 5173, 9229)");
        call(runtime.deleteInstance(id));
        awaitState(id, InstanceState.MISSING);
        call(runtime.deleteVolume(id));
    }

    @Test
    void anImageThatCannotBePulledIsAnErrorWithItsReason() {
        WorkspaceId id = WorkspaceId.of("kt-pull");
        InstanceStatus started = call(runtime.startInstance(id, spec("registry.invalid/" + FakeKubelet.MISSING_IMAGE + ":1")));
        // The fake kubelet may fail the pull before startInstance reads the pod back (a CI run saw ERROR here).
        assertThat(started.state()).isIn(InstanceState.CREATING, InstanceState.ERROR);
        InstanceStatus failed = awaitState(id, InstanceState.ERROR);
        assertThat(failed.reason()).startsWith("ImagePullBackOff: Back-off pulling image");
        assertProblem(runtime.upstream(id), ConflictException.class, ProblemType.INSTANCE_NOT_RUNNING);
        call(runtime.deleteInstance(id));
        awaitState(id, InstanceState.MISSING);
        call(runtime.deleteVolume(id));
    }

    @Test
    void aCrashLoopIsAnErrorWithItsReason() {
        WorkspaceId id = WorkspaceId.of("kt-crash");
        call(runtime.startInstance(id, spec("codehub/" + FakeKubelet.CRASHING_IMAGE + ":1")));
        assertThat(awaitState(id, InstanceState.ERROR).reason()).startsWith("CrashLoopBackOff: back-off");
        assertThat(call(runtime.listInstances("kt-crash"))).extracting(InstanceStatus::state)
                .containsExactly(InstanceState.ERROR);
        call(runtime.deleteInstance(id));
        awaitState(id, InstanceState.MISSING);
        call(runtime.deleteVolume(id));
    }

    @Test
    void anEvictedPodIsAnErrorAndIsReplacedByTheNextStart() {
        WorkspaceId id = WorkspaceId.of("kt-evicted");
        call(runtime.startInstance(id, spec("codehub/workspace:test")));
        awaitState(id, InstanceState.RUNNING);
        String firstIp = call(runtime.upstream(id)).host();
        Pod pod = cluster.admin().pods().inNamespace(MockCluster.NAMESPACE).withName("codehub-ws-kt-evicted").get();
        pod.setStatus(new io.fabric8.kubernetes.api.model.PodStatusBuilder().withPhase("Failed").withReason("Evicted")
                .withMessage("The node was low on resource: memory.").build());
        cluster.admin().pods().inNamespace(MockCluster.NAMESPACE).resource(pod).updateStatus();
        assertThat(awaitState(id, InstanceState.ERROR).reason()).isEqualTo("Evicted: The node was low on resource: memory.");

        call(runtime.startInstance(id, spec("codehub/workspace:test")));
        awaitState(id, InstanceState.RUNNING);
        assertThat(call(runtime.upstream(id)).host()).isNotEqualTo(firstIp);
        call(runtime.deleteInstance(id));
        awaitState(id, InstanceState.MISSING);
        call(runtime.deleteVolume(id));
    }

    @Test
    void foreignObjectsOfOurNamesAreNeverTouched() {
        KubernetesClient admin = cluster.admin();
        admin.pods().inNamespace(MockCluster.NAMESPACE).resource(new PodBuilder().withNewMetadata()
                .withName("codehub-ws-kt-foreign").addToLabels("app", "someone-else").endMetadata().withNewSpec()
                .addNewContainer().withName("x").withImage("nginx").endContainer().endSpec().build()).create();
        admin.persistentVolumeClaims().inNamespace(MockCluster.NAMESPACE).resource(new PersistentVolumeClaimBuilder()
                .withNewMetadata().withName("codehub-ws-kt-foreign").endMetadata().withNewSpec()
                .withAccessModes("ReadWriteOnce").withNewResources().addToRequests("storage", new Quantity("1Gi"))
                .endResources().endSpec().build()).create();
        WorkspaceId id = WorkspaceId.of("kt-foreign");
        try {
            assertThat(call(runtime.instanceStatus(id)).state()).isEqualTo(InstanceState.MISSING);
            assertThat(call(runtime.volumeExists(id))).isFalse();
            assertThat(call(runtime.listVolumes())).extracting(v -> v.workspaceId().value()).doesNotContain("kt-foreign");
            assertThat(call(runtime.listInstances("kt-foreign"))).isEmpty();
            assertProblem(runtime.startInstance(id, spec("codehub/workspace:test")), ConflictException.class,
                    ProblemType.FOREIGN_RESOURCE);
            assertProblem(runtime.deleteInstance(id), ConflictException.class, ProblemType.FOREIGN_RESOURCE);
            assertProblem(runtime.createVolume(id), ConflictException.class, ProblemType.FOREIGN_RESOURCE);
            assertProblem(runtime.deleteVolume(id), ConflictException.class, ProblemType.FOREIGN_RESOURCE);
            assertThat(admin.pods().inNamespace(MockCluster.NAMESPACE).withName("codehub-ws-kt-foreign").get()).isNotNull();
            assertThat(admin.persistentVolumeClaims().inNamespace(MockCluster.NAMESPACE).withName("codehub-ws-kt-foreign")
                    .get()).isNotNull();
        } finally {
            admin.pods().inNamespace(MockCluster.NAMESPACE).withName("codehub-ws-kt-foreign").delete();
            admin.persistentVolumeClaims().inNamespace(MockCluster.NAMESPACE).withName("codehub-ws-kt-foreign").delete();
        }
    }

    @Test
    void aClaimMountedByAnyPodIsInUse() {
        WorkspaceId id = WorkspaceId.of("kt-inuse");
        call(runtime.createVolume(id));
        JobStatus archived = awaitJob(call(runtime.startArchive(new ArchiveRequest(id))));
        KubernetesClient admin = cluster.admin();
        admin.pods().inNamespace(MockCluster.NAMESPACE).resource(new PodBuilder().withNewMetadata().withName("debugger")
                .endMetadata().withNewSpec().addNewContainer().withName("x").withImage("busybox").endContainer()
                .addNewVolume().withName("v").withNewPersistentVolumeClaim().withClaimName("codehub-ws-kt-inuse")
                .endPersistentVolumeClaim().endVolume().endSpec().build()).create();
        try {
            assertProblem(runtime.deleteVolume(id), ConflictException.class, ProblemType.VOLUME_IN_USE);
            assertThatThrownBy(() -> call(runtime.deleteVolume(id))).hasMessageContaining("debugger");
            assertProblem(runtime.startRestore(new RestoreRequest(id, archived.archiveKey())), ConflictException.class,
                    ProblemType.VOLUME_IN_USE);
        } finally {
            admin.pods().inNamespace(MockCluster.NAMESPACE).withName("debugger").delete();
        }
        await().atMost(WAIT).ignoreExceptions().until(() -> { call(runtime.deleteVolume(id)); return true; });
        assertThat(call(runtime.volumeExists(id))).isFalse();
    }

    @Test
    void aCorruptedArchiveFailsTheRestoreBeforeTheVolumeIsTouched() {
        WorkspaceId id = WorkspaceId.of("kt-corrupt");
        call(runtime.createVolume(id));
        JobStatus archived = awaitJob(call(runtime.startArchive(new ArchiveRequest(id))));
        assertThat(archived.state()).as("archive: %s", archived.error()).isEqualTo(JobState.SUCCEEDED);
        assertThat(cluster.admin().batch().v1().jobs().inNamespace(MockCluster.NAMESPACE)
                .withName("codehub-job-" + archived.jobId()).get()).as("the finished Job is deleted").isNull();

        cluster.kubelet().putFile(KubernetesRuntimeConfig.DEFAULT_ARCHIVE_CLAIM, archived.archiveKey().value(),
                "not the archive".getBytes(StandardCharsets.UTF_8));
        JobStatus restored = awaitJob(call(runtime.startRestore(new RestoreRequest(id, archived.archiveKey()))));
        assertThat(restored.state()).isEqualTo(JobState.FAILED);
        assertThat(restored.error()).contains("checksum mismatch").contains("BackoffLimitExceeded");
        call(runtime.deleteVolume(id));
    }

    @Test
    void aConfigMapWithoutTheManagedLabelIsNoArchiveRecord() {
        WorkspaceId id = WorkspaceId.of("kt-record");
        ArchiveKey key = archive(id);
        cluster.admin().configMaps().inNamespace(MockCluster.NAMESPACE).resource(new ConfigMapBuilder().withNewMetadata()
                .withName(KubeNames.archiveRecord(key)).endMetadata()
                .withData(Map.of("key", key.value(), "bytes", "10", "sha256", "0".repeat(64))).build()).create();
        assertProblem(runtime.startRestore(new RestoreRequest(id, key)), io.codehub.runtime.NotFoundException.class,
                ProblemType.ARCHIVE_NOT_FOUND);
    }

    @Test
    void anUnreachableApiServerIsBackendUnavailableAndHealthDown(@TempDir Path dir) throws Exception {
        Path kubeconfig = java.nio.file.Files.writeString(dir.resolve("kubeconfig"), """
                apiVersion: v1
                kind: Config
                clusters: [{name: gone, cluster: {server: "http://127.0.0.1:1"}}]
                users: [{name: u, user: {token: t}}]
                contexts: [{name: c, context: {cluster: gone, user: u, namespace: ns1}}]
                current-context: c
                """);
        try (KubernetesRuntime unreachable = new KubernetesRuntime(KubernetesRuntimeConfig.builder()
                .kubeconfig(kubeconfig).callTimeout(Duration.ofSeconds(3)).build())) {
            assertThat(unreachable.namespace()).isEqualTo("ns1");
            assertThatThrownBy(() -> call(unreachable.listVolumes())).isInstanceOf(BackendUnavailableException.class)
                    .hasMessageContaining("127.0.0.1:1");
            var health = call(unreachable.health());
            assertThat(health.status()).isEqualTo(HealthStatus.DOWN);
            assertThat(health.runtime()).isEqualTo("kubernetes");
            assertThat(health.detail()).contains("127.0.0.1:1");
        }
    }

    @Test
    void healthIsDownWithoutTheArchiveClaim() {
        try (KubernetesRuntime misconfigured = new KubernetesRuntime(KubernetesRuntimeConfig.builder()
                .namespace(MockCluster.NAMESPACE).archiveClaim("no-such-claim").build(), cluster.newClient())) {
            var health = call(misconfigured.health());
            assertThat(health.status()).isEqualTo(HealthStatus.DOWN);
            assertThat(health.detail()).contains("archive claim no-such-claim does not exist");
        }
        var health = call(runtime.health());
        assertThat(health.status()).isEqualTo(HealthStatus.UP);
        // The mock server's /version body does not survive fabric8's own round trip, hence no version asserted.
        assertThat(health.backend()).startsWith("Kubernetes ").endsWith(", namespace " + MockCluster.NAMESPACE);
    }

    private static ArchiveKey archive(WorkspaceId id) {
        return io.codehub.runtime.ArchiveKey.of(id.value() + "-20260101T000000Z-0000abcd.tar.gz");
    }

    private static JobStatus awaitJob(JobStatus started) {
        return await().atMost(WAIT).until(() -> call(runtime.job(started.jobId())), job -> job.state().isTerminal());
    }
}
