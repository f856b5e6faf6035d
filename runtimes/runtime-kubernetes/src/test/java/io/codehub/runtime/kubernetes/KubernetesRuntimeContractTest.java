package io.codehub.runtime.kubernetes;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.codehub.runtime.ImagePullPolicy;
import io.codehub.runtime.InstanceSpec;
import io.codehub.runtime.Runtime;
import io.codehub.runtime.WorkspaceId;
import io.codehub.runtime.contract.RuntimeContract;
import io.codehub.runtime.support.ManagedNames;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.dsl.ExecWatch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The Runtime contract kit against {@link KubernetesRuntime}.
 *
 * <h2>Where it runs</h2>
 * By default on the fabric8 mock server in CRUD mode on 127.0.0.1, with a {@link FakeKubelet}
 * doing the kubelet's and the Job controller's part; the side door into a workspace is the fake
 * kubelet's in-memory volume content. This proves the runtime's API usage, object shapes,
 * informer-driven state, label discipline and problem types, not that pods really run.
 *
 * <p>With {@code -Dcodehub.k8s.kubeconfig=/path/to/kubeconfig} the same suite runs against that
 * real cluster (kind, minikube) in namespace {@code codehub.k8s.namespace} (default
 * {@code codehub-test}, which must exist with a claim {@code codehub-archives}); the side door is
 * then {@code kubectl exec}-style exec into the workspace pod, and workspaces run
 * {@code codehub.k8s.image} (default {@code busybox:1.36}) serving with {@code httpd} on port 8080
 * and on the additional port 3000.
 * See {@code docs/kubernetes.md}.
 */
class KubernetesRuntimeContractTest extends RuntimeContract {

    private static final String REAL_KUBECONFIG = System.getProperty("codehub.k8s.kubeconfig", "");

    static MockCluster cluster;
    static KubernetesClient realClient;
    static KubernetesRuntime runtime;

    @BeforeAll
    static void start() {
        if (REAL_KUBECONFIG.isBlank()) {
            cluster = MockCluster.start();
            runtime = new KubernetesRuntime(KubernetesRuntimeConfig.builder().namespace(MockCluster.NAMESPACE)
                    .callTimeout(Duration.ofSeconds(10)).build(), cluster.newClient());
        } else {
            KubernetesRuntimeConfig config = KubernetesRuntimeConfig.builder()
                    .kubeconfig(Path.of(REAL_KUBECONFIG).toAbsolutePath())
                    .namespace(System.getProperty("codehub.k8s.namespace", "codehub-test"))
                    .jobImage(System.getProperty("codehub.k8s.image", "busybox:1.36"))
                    .build();
            runtime = new KubernetesRuntime(config);
            realClient = new KubernetesClientBuilder().withConfig(
                    io.fabric8.kubernetes.client.Config.fromKubeconfig(Path.of(REAL_KUBECONFIG).toFile())).build();
        }
    }

    @AfterAll
    static void stop() {
        try {
            runtime.close();
        } finally {
            if (cluster != null) {
                cluster.close();
            }
            if (realClient != null) {
                realClient.close();
            }
        }
    }

    @Override
    protected Runtime runtime() {
        return runtime;
    }

    @Override
    protected InstanceSpec workspaceSpec() {
        String image = cluster != null ? "codehub/workspace:test" : System.getProperty("codehub.k8s.image", "busybox:1.36");
        return InstanceSpec.of(image, List.of("sh", "-c", "httpd -p 3000 -h /home/coder && exec httpd -f -p 8080 -h /home/coder"),
                null, 8080, List.of(3000), null, ImagePullPolicy.IF_NOT_PRESENT, 64, 0.1);
    }

    @Override
    protected String workspacePrefix() {
        return "ctk-";
    }

    @Override
    protected void writeFile(WorkspaceId id, String relativePath, String content) throws Exception {
        if (cluster != null) {
            cluster.kubelet().writeFile(ManagedNames.workspace(id), InstanceSpec.DEFAULT_MOUNT_PATH, relativePath, content);
            return;
        }
        exec(id, "mkdir -p \"$(dirname \"$1\")\" && printf '%s' \"$2\" > \"$1\"",
                InstanceSpec.DEFAULT_MOUNT_PATH + "/" + relativePath, content);
    }

    @Override
    protected String readFile(WorkspaceId id, String relativePath) throws Exception {
        if (cluster != null) {
            return cluster.kubelet().readFile(ManagedNames.workspace(id), InstanceSpec.DEFAULT_MOUNT_PATH, relativePath);
        }
        return exec(id, "cat \"$1\"", InstanceSpec.DEFAULT_MOUNT_PATH + "/" + relativePath, "");
    }

    /** Runs {@code sh -c script} in the workspace pod of a real cluster; its stdout. */
    private static String exec(WorkspaceId id, String script, String first, String second) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try (ExecWatch watch = realClient.pods().inNamespace(runtime.namespace()).withName(ManagedNames.workspace(id))
                .inContainer(KubeNames.CONTAINER).writingOutput(out).writingError(err)
                .exec("sh", "-c", script, "sh", first, second)) {
            Integer code = watch.exitCode().get(60, TimeUnit.SECONDS);
            if (code == null || code != 0) {
                throw new IllegalStateException("exec in " + id + " failed (" + code + "): " + err.toString(StandardCharsets.UTF_8));
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
