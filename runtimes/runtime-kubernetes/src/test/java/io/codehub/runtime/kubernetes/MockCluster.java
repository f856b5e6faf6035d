package io.codehub.runtime.kubernetes;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;

import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.VersionInfo;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;

/**
 * A simulated cluster for tests: the fabric8 Kubernetes mock server in CRUD mode, bound to
 * loopback, with a {@link FakeKubelet} moving pods and Jobs along, and the archive claim the Helm
 * chart would have created. There is no scheduler, kubelet, Job controller, garbage collector or
 * admission here: what the fake kubelet does not simulate does not happen.
 */
public final class MockCluster implements AutoCloseable {

    /** The namespace the tests use. */
    public static final String NAMESPACE = "codehub-test";

    private final KubernetesMockServer server;
    private final KubernetesClient admin;
    private final FakeKubelet kubelet;

    private MockCluster(KubernetesMockServer server) {
        this.server = server;
        this.admin = server.createClient();
        admin.persistentVolumeClaims().inNamespace(NAMESPACE).resource(new PersistentVolumeClaimBuilder()
                .withNewMetadata().withName(KubernetesRuntimeConfig.DEFAULT_ARCHIVE_CLAIM).endMetadata()
                .withNewSpec().withAccessModes("ReadWriteOnce").withNewResources()
                .addToRequests("storage", new Quantity("50Gi")).endResources().endSpec()
                .build()).create();
        this.kubelet = new FakeKubelet(server.createClient(), NAMESPACE);
    }

    /** Starts the mock server on a free port of 127.0.0.1 and the fake kubelet. */
    public static MockCluster start() {
        return start(0);
    }

    /** Starts the mock server on {@code port} of 127.0.0.1 ({@code 0}: a free one) and the fake kubelet. */
    public static MockCluster start(int port) {
        KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                new KubernetesCrudDispatcher(), false, new VersionInfo.Builder().withMajor("1").withMinor("33")
                        .withGitVersion("v1.33.0-mock").build());
        server.init(InetAddress.getLoopbackAddress(), port);
        return new MockCluster(server);
    }

    /** A new client of the mock server, for a runtime under test (the runtime closes it). */
    public KubernetesClient newClient() {
        return server.createClient();
    }

    /** A client the test itself uses to look at or plant objects. */
    public KubernetesClient admin() {
        return admin;
    }

    public FakeKubelet kubelet() {
        return kubelet;
    }

    /** The API server's URL, {@code http://127.0.0.1:<port>}. */
    public String url() {
        return "http://127.0.0.1:" + server.getPort();
    }

    /** Writes a kubeconfig for this server (namespace {@value #NAMESPACE}) into {@code dir}. */
    public Path writeKubeconfig(Path dir) {
        try {
            return Files.writeString(dir.resolve("kubeconfig"), kubeconfig());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A kubeconfig for this server, its context's namespace {@value #NAMESPACE}. */
    public String kubeconfig() {
        return """
                apiVersion: v1
                kind: Config
                clusters:
                - name: mock
                  cluster:
                    server: %s
                users:
                - name: test
                  user:
                    token: mock-token
                contexts:
                - name: mock
                  context:
                    cluster: mock
                    user: test
                    namespace: %s
                current-context: mock
                """.formatted(url(), NAMESPACE);
    }

    @Override
    public void close() {
        try {
            kubelet.close();
            admin.close();
        } finally {
            server.destroy();
        }
    }
}
