package io.codehub.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * A mixed environment, as the seed's v0.3.0 test list asks: one hub with a Docker agent and a
 * Kubernetes agent at once, every one a process of its own, the way they are deployed.
 *
 * <ul>
 * <li>the hub ({@code hub/target/codehub-hub.jar}, embedded database, short health and reconciler
 *     intervals);</li>
 * <li>a Docker agent on the real dockerd, called directly, labelled {@code site=a};</li>
 * <li>the stand-in cluster: the fabric8 mock server in CRUD mode with the fake kubelet
 *     ({@code StandaloneMockCluster} from runtime-kubernetes' test classes, on 127.0.0.1), since no
 *     Kubernetes API server can run here;</li>
 * <li>a Kubernetes agent ({@code CODEHUB_AGENT_RUNTIME=kubernetes}, a kubeconfig naming that server)
 *     that dials the hub's tunnel port, as the Helm chart deploys it, labelled {@code site=b}.</li>
 * </ul>
 *
 * Workspaces placed by backend type and by labels land on the right agent and backend (a container on
 * dockerd, a pod in the cluster), go through start, stop, start and delete; then the Kubernetes agent
 * is killed (SIGKILL): the hub marks that agent {@code error} and its workspace with a step in flight
 * {@code ERROR}, while the Docker agent stays active and its workspaces stay RUNNING and keep obeying;
 * the restarted agent is active again and the failed step goes through. Everything connects to
 * 127.0.0.1 only; the processes, containers and volumes are removed even on failure.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class MixedRuntimesIT {

    private static final Path ROOT = Path.of(System.getProperty("codehub.root", "..")).toAbsolutePath().normalize();
    private static final Path HUB_JAR = ROOT.resolve("hub/target/codehub-hub.jar");
    private static final Path AGENT_JAR = ROOT.resolve("agent/target/codehub-agent.jar");
    private static final Path MOCK_CLUSTER = ROOT.resolve("runtimes/runtime-kubernetes/target");
    private static final String MOCK_CLUSTER_MAIN = "io.codehub.runtime.kubernetes.StandaloneMockCluster";
    private static final String NAMESPACE = "codehub-test";
    private static final String IMAGE = "codehub/sample-workspace:local";
    private static final Duration JVM_START = Duration.ofSeconds(90);
    private static final Duration SETTLE = Duration.ofSeconds(60);
    private static final Duration POLL = Duration.ofMillis(200);

    @TempDir
    Path work;

    private final String adminToken = "mixed-admin-" + randomHex();
    private final List<JavaProcess> processes = new ArrayList<>();
    private final List<String> workspaceIds = new ArrayList<>();
    private final Map<String, Duration> phases = new LinkedHashMap<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private Instant phaseStart = Instant.now();
    private JavaProcess hub;
    private HubAdminClient api;
    private URI cluster;

    @BeforeEach
    void prerequisites() throws IOException, InterruptedException {
        if (!ExternalCommand.onPath("docker")
                || ExternalCommand.run(ROOT, Duration.ofSeconds(30), "docker", "info").exitCode() != 0) {
            fail("no Docker engine answers `docker info`: run .ci/prepare-env (it installs and starts one)");
        }
        if (ExternalCommand.run(ROOT, Duration.ofSeconds(30), "docker", "image", "inspect", IMAGE).exitCode() != 0) {
            fail(IMAGE + " is missing: build it with deploy/test-images/build");
        }
        for (Path needed : List.of(HUB_JAR, AGENT_JAR, MOCK_CLUSTER.resolve("mock-cluster.classpath"),
                MOCK_CLUSTER.resolve("test-classes"))) {
            if (!Files.exists(needed)) {
                fail(needed + " is missing: build the reactor first (mvn -pl e2e -am verify builds it)");
            }
        }
    }

    @Test
    void dockerAndKubernetesAgentsUnderOneHub() throws Exception {
        try {
            run();
        } catch (Exception | Error e) {
            for (JavaProcess process : processes) {
                System.err.println("[MixedRuntimesIT] the end of " + process.name() + ".log:\n" + process.logTail());
            }
            throw e;
        }
    }

    private void run() throws Exception {
        // The stand-in cluster and the hub start side by side; private copies of the jars, since a build
        // running next to the test may replace them.
        Path kubeconfig = work.resolve("kubeconfig");
        JavaProcess mockCluster = started(JavaProcess.main("mock-cluster", mockClusterClasspath(), MOCK_CLUSTER_MAIN,
                List.of("--kubeconfig", kubeconfig.toString()), work));
        int apiPort = freePort();
        int tunnelPort = freePort();
        hub = started(JavaProcess.jar("hub", copy(HUB_JAR), hubEnvironment(apiPort, tunnelPort), work));
        Path agentJar = copy(AGENT_JAR);
        api = new HubAdminClient(apiPort, adminToken);
        waitFor("the mock cluster's kubeconfig", JVM_START).until(() -> {
            mockCluster.requireAlive();
            return Files.exists(kubeconfig);
        });
        cluster = URI.create(serverOf(kubeconfig));
        assertThat(cluster.getHost()).isEqualTo("127.0.0.1");
        waitFor("the hub's readiness", JVM_START).ignoreExceptionsInstanceOf(IOException.class).until(() -> {
            hub.requireAlive();
            return api.readiness() == 200;
        });
        phase("mock cluster and hub started");

        // Both agents registered with their backend type and a site label; the Kubernetes one dials the
        // tunnel port as the Helm chart deploys it, the Docker one is called directly.
        int dockerPort = freePort();
        String docker = register("docker-a", "http://127.0.0.1:" + dockerPort, "docker", "a").path("agent").path("id")
                .asString();
        JsonNode registered = register("kubernetes-b", "tunnel://", "kubernetes", "b");
        String kubernetes = registered.path("agent").path("id").asString();
        Path publicKey = Files.writeString(work.resolve("hub-public.pem"),
                api.get("/api/v1/hub").body().path("publicKeyPem").asString());
        Map<String, String> dockerEnvironment = new LinkedHashMap<>(agentEnvironment(docker, publicKey, "docker"));
        dockerEnvironment.put("CODEHUB_AGENT_LISTEN", "127.0.0.1:" + dockerPort);
        started(JavaProcess.jar("agent-docker", agentJar, dockerEnvironment, work));
        Map<String, String> kubernetesEnvironment = new LinkedHashMap<>(agentEnvironment(kubernetes, publicKey, "kubernetes"));
        kubernetesEnvironment.put("CODEHUB_AGENT_LISTEN", "none");
        kubernetesEnvironment.put("CODEHUB_AGENT_HUB_URL", "tcp://127.0.0.1:" + tunnelPort);
        kubernetesEnvironment.put("CODEHUB_AGENT_API_KEY", registered.path("apiKey").asString());
        kubernetesEnvironment.put("CODEHUB_AGENT_RUNTIME", "kubernetes");
        kubernetesEnvironment.put("CODEHUB_AGENT_KUBECONFIG", kubeconfig.toString());
        kubernetesEnvironment.put("CODEHUB_AGENT_K8S_CALL_TIMEOUT", "10s");
        JavaProcess kubernetesAgent = started(JavaProcess.jar("agent-kubernetes", agentJar, kubernetesEnvironment, work));
        awaitActive(docker);
        awaitActive(kubernetes);
        phase("both agents active");

        Map<String, JsonNode> agents = new LinkedHashMap<>();
        for (JsonNode agent : api.get("/api/v1/agents").body().path("items")) {
            agents.put(agent.path("id").asString(), agent);
        }
        assertThat(agents).containsOnlyKeys(docker, kubernetes);
        assertThat(agents.get(docker).path("type").asString()).isEqualTo("docker");
        assertThat(agents.get(docker).path("labels").path("site").asString()).isEqualTo("a");
        assertThat(agents.get(docker).has("connection")).as("a direct agent has no tunnel").isFalse();
        assertThat(agents.get(kubernetes).path("type").asString()).isEqualTo("kubernetes");
        assertThat(agents.get(kubernetes).path("labels").path("site").asString()).isEqualTo("b");
        assertThat(agents.get(kubernetes).path("endpoint").asString()).isEqualTo("tunnel://" + kubernetes);
        assertThat(agents.get(kubernetes).path("connection").path("state").asString()).isEqualTo("connected");
        assertThat(ids(api.get("/api/v1/agents?label=site=b").body())).containsExactly(kubernetes);

        // Placement by backend type, by label, by both; a combination no agent has is refused.
        String kubernetesByType = create("kubernetes-by-type", Map.of("type", "kubernetes"), kubernetes);
        String dockerByLabel = create("docker-by-label", Map.of("labels", Map.of("site", "a")), docker);
        String dockerByType = create("docker-by-type", Map.of("type", "docker"), docker);
        String kubernetesByLabel = create("kubernetes-by-label", Map.of("labels", Map.of("site", "b")), kubernetes);
        String kubernetesByBoth = create("kubernetes-by-both", Map.of("type", "kubernetes", "labels",
                Map.of("site", "b")), kubernetes);
        assertRefused(Map.of("type", "docker", "labels", Map.of("site", "b")), "of type docker with labels {site=b}");
        List<String> onDocker = List.of(dockerByLabel, dockerByType);
        List<String> onKubernetes = List.of(kubernetesByType, kubernetesByLabel, kubernetesByBoth);
        for (String id : workspaceIds) {
            awaitState(id, "RUNNING");
        }
        for (String id : onDocker) {
            assertThat(container(id)).as("container of " + id + " on dockerd").isEqualTo("running");
            assertThat(kubeObject("pods", id)).as("pod of " + id).isEqualTo(404);
        }
        for (String id : onKubernetes) {
            assertThat(podPhase(id)).as("pod of " + id + " in the cluster").isEqualTo("Running");
            assertThat(container(id)).as("container of " + id + " on dockerd").isEqualTo("missing");
        }
        assertThat(ids(api.get("/api/v1/workspaces?agentId=" + kubernetes).body()))
                .containsExactlyInAnyOrderElementsOf(onKubernetes);
        phase("five workspaces placed by type and labels, RUNNING on their backends");

        // The lifecycle on both backends at once: stop, start, delete.
        List<String> pair = List.of(dockerByLabel, kubernetesByType);
        act(pair, "stop");
        awaitStates(pair, "STOPPED");
        assertThat(container(dockerByLabel)).isEqualTo("missing");
        assertThat(volumeExists(dockerByLabel)).as("volume of " + dockerByLabel).isTrue();
        assertThat(kubeObject("pods", kubernetesByType)).as("pod of " + kubernetesByType).isEqualTo(404);
        assertThat(kubeObject("persistentvolumeclaims", kubernetesByType)).as("claim of " + kubernetesByType)
                .isEqualTo(200);
        act(pair, "start");
        awaitStates(pair, "RUNNING");
        assertThat(container(dockerByLabel)).isEqualTo("running");
        assertThat(podPhase(kubernetesByType)).isEqualTo("Running");
        delete(pair);
        assertThat(container(dockerByLabel)).isEqualTo("missing");
        assertThat(volumeExists(dockerByLabel)).isFalse();
        assertThat(kubeObject("pods", kubernetesByType)).isEqualTo(404);
        assertThat(kubeObject("persistentvolumeclaims", kubernetesByType)).isEqualTo(404);
        phase("stop, start, delete on both backends");

        // The Kubernetes agent dies while both agents have a step to do. Only it and its workspace with
        // a step in flight are marked; its settled workspace keeps what the hub last observed.
        kubernetesAgent.kill();
        act(List.of(kubernetesByLabel, dockerByType), "stop");
        waitFor("agent " + kubernetes + " to be error", SETTLE).until(() -> {
            hub.requireAlive();
            return api.get("/api/v1/agents/" + kubernetes).body().path("status").asString();
        }, "error"::equals);
        JsonNode failed = awaitState(kubernetesByLabel, "ERROR");
        assertThat(failed.path("reason").asString()).contains(kubernetes).contains("health checks in a row");
        JsonNode down = api.get("/api/v1/agents/" + kubernetes).body();
        assertThat(down.path("consecutiveFailures").asInt()).isGreaterThanOrEqualTo(2);
        assertThat(down.path("lastError").asString()).isNotBlank();
        assertThat(down.path("connection").path("state").asString()).isEqualTo("disconnected");
        awaitState(dockerByType, "STOPPED");
        assertThat(container(dockerByType)).isEqualTo("missing");
        JsonNode settled = api.get("/api/v1/workspaces/" + kubernetesByBoth).body();
        assertThat(settled.path("state").asString()).as(settled.toString()).isEqualTo("RUNNING");
        assertThat(settled.has("reason")).as(settled.toString()).isFalse();
        assertThat(podPhase(kubernetesByLabel)).as("the stop never reached the cluster").isEqualTo("Running");
        JsonNode healthy = api.get("/api/v1/agents/" + docker).body();
        assertThat(healthy.path("status").asString()).isEqualTo("active");
        assertThat(healthy.path("consecutiveFailures").asInt()).isZero();
        assertRefused(Map.of("type", "kubernetes"), "1 error");
        phase("Kubernetes agent killed: it and its step in flight marked, nothing else");

        // The Docker side keeps obeying while the Kubernetes agent is away.
        act(List.of(dockerByType), "start");
        awaitState(dockerByType, "RUNNING");
        assertThat(container(dockerByType)).isEqualTo("running");
        assertThat(api.get("/api/v1/agents/" + kubernetes).body().path("status").asString()).isEqualTo("error");
        phase("Docker workspace started while the Kubernetes agent is away");

        // The agent comes back: active again, and the failed step goes through when asked again.
        kubernetesAgent.start();
        awaitActive(kubernetes);
        assertThat(api.get("/api/v1/agents/" + kubernetes).body().has("lastError")).isFalse();
        act(List.of(kubernetesByLabel), "stop");
        awaitState(kubernetesByLabel, "STOPPED");
        assertThat(kubeObject("pods", kubernetesByLabel)).isEqualTo(404);
        assertThat(podPhase(kubernetesByBoth)).isEqualTo("Running");
        phase("Kubernetes agent restarted, active, the failed stop done");

        delete(List.of(kubernetesByLabel, kubernetesByBoth, dockerByType));
        for (String id : workspaceIds) {
            assertThat(container(id)).as(id).isEqualTo("missing");
            assertThat(volumeExists(id)).as(id).isFalse();
            assertThat(kubeObject("pods", id)).as(id).isEqualTo(404);
            assertThat(kubeObject("persistentvolumeclaims", id)).as(id).isEqualTo(404);
        }
        phase("every workspace deleted from both backends");
    }

    @AfterEach
    void removeEverything() throws IOException, InterruptedException {
        phases.forEach((name, took) -> System.out.printf("[MixedRuntimesIT] %-70s %6.1f s%n", name, took.toMillis() / 1000.0));
        // Agents first (the hub may still call them), the hub, then the cluster.
        for (int i = processes.size() - 1; i >= 0; i--) {
            try {
                processes.get(i).close();
            } catch (RuntimeException e) {
                System.err.println("[MixedRuntimesIT] stopping " + processes.get(i).name() + ": " + e);
            }
        }
        for (String id : workspaceIds) {
            ExternalCommand.run(ROOT, Duration.ofMinutes(1), "docker", "rm", "--force", "--volumes", "codehub-ws-" + id);
            ExternalCommand.run(ROOT, Duration.ofMinutes(1), "docker", "volume", "rm", "--force", "codehub-ws-" + id);
        }
    }

    // ---- processes ------------------------------------------------------------------------------

    private JavaProcess started(JavaProcess process) {
        processes.add(process);
        return process;
    }

    private Map<String, String> hubEnvironment(int apiPort, int tunnelPort) throws IOException {
        Map<String, String> environment = new LinkedHashMap<>();
        environment.put("SERVER_PORT", Integer.toString(apiPort));
        environment.put("SERVER_ADDRESS", "127.0.0.1");
        environment.put("CODEHUB_HUB_DATA_DIR", work.resolve("hub-data").toString());
        environment.put("CODEHUB_ADMIN_TOKEN", adminToken);
        environment.put("CODEHUB_HUB_API_KEYS_BCRYPT_COST", "4");
        environment.put("CODEHUB_HUB_TUNNEL_PORT", Integer.toString(tunnelPort));
        environment.put("CODEHUB_HUB_TUNNEL_ADDRESS", "127.0.0.1");
        environment.put("CODEHUB_HUB_GATEWAY_PORT", Integer.toString(freePort()));
        environment.put("CODEHUB_HUB_GATEWAY_ADDRESS", "127.0.0.1");
        // A dead agent is error within about a second; a failing step retries for far longer than
        // that, so the ERROR the test sees is the health checker's marking, not the retries running out.
        environment.put("CODEHUB_HUB_HEALTH_INTERVAL", "500ms");
        environment.put("CODEHUB_HUB_HEALTH_TIMEOUT", "2s");
        environment.put("CODEHUB_HUB_HEALTH_FAILURE_THRESHOLD", "2");
        environment.put("CODEHUB_HUB_HEALTH_MAX_BACKOFF", "1s");
        environment.put("CODEHUB_HUB_RECONCILER_INTERVAL", "500ms");
        environment.put("CODEHUB_HUB_RECONCILER_POLL_INTERVAL", "200ms");
        environment.put("CODEHUB_HUB_RECONCILER_MAX_ATTEMPTS", "30");
        environment.put("CODEHUB_HUB_RECONCILER_RETRY_BACKOFF", "300ms");
        environment.put("CODEHUB_HUB_RECONCILER_RETRY_MAX_BACKOFF", "1s");
        environment.put("CODEHUB_HUB_REMOTE_CALL_TIMEOUT", "15s");
        environment.put("CODEHUB_HUB_REMOTE_CONNECT_TIMEOUT", "2s");
        environment.put("CODEHUB_HUB_REMOTE_MAX_RETRIES", "1");
        return environment;
    }

    private Map<String, String> agentEnvironment(String agentId, Path publicKey, String name) {
        return Map.of("CODEHUB_AGENT_ID", agentId, "CODEHUB_AGENT_HUB_PUBLIC_KEY", publicKey.toString(),
                "CODEHUB_AGENT_ARCHIVE_DIR", work.resolve("archives-" + name).toString());
    }

    /** runtime-kubernetes' test classes, main classes and test classpath (written by its build). */
    private static String mockClusterClasspath() throws IOException {
        return String.join(File.pathSeparator, MOCK_CLUSTER.resolve("test-classes").toString(),
                MOCK_CLUSTER.resolve("classes").toString(),
                Files.readString(MOCK_CLUSTER.resolve("mock-cluster.classpath"), StandardCharsets.UTF_8).strip());
    }

    private static String serverOf(Path kubeconfig) throws IOException {
        Matcher server = Pattern.compile("server: (\\S+)").matcher(Files.readString(kubeconfig, StandardCharsets.UTF_8));
        assertThat(server.find()).as("the server of " + kubeconfig).isTrue();
        return server.group(1);
    }

    private Path copy(Path jar) throws IOException {
        return Files.copy(jar, work.resolve(jar.getFileName()), StandardCopyOption.REPLACE_EXISTING);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    // ---- the hub's API --------------------------------------------------------------------------

    private JsonNode register(String name, String endpoint, String type, String site) throws IOException, InterruptedException {
        HubAdminClient.Answer answer = api.post("/api/v1/agents", HubAdminClient.json().valueToTree(Map.of("name", name,
                "endpoint", endpoint, "type", type, "capacity", 8, "labels", Map.of("site", site))));
        assertThat(answer.status()).as(answer.body().toString()).isEqualTo(201);
        return answer.body();
    }

    private void awaitActive(String agentId) {
        waitFor("agent " + agentId + " to be active", JVM_START).untilAsserted(() -> {
            processes.forEach(JavaProcess::requireAlive);
            JsonNode agent = api.get("/api/v1/agents/" + agentId).body();
            assertThat(agent.path("status").asString()).as(agent.toString()).isEqualTo("active");
            assertThat(agent.has("agentVersion")).as("health-checked: " + agent).isTrue();
        });
    }

    /** Creates a workspace of the sample app with {@code placement} and checks it landed on {@code expectedAgent}. */
    private String create(String name, Map<String, Object> placement, String expectedAgent)
            throws IOException, InterruptedException {
        Map<String, Object> body = new LinkedHashMap<>(placement);
        body.put("name", name);
        body.put("image", IMAGE);
        body.put("imagePullPolicy", "Never");
        HubAdminClient.Answer created = api.post("/api/v1/workspaces", HubAdminClient.json().valueToTree(body));
        assertThat(created.status()).as(created.body().toString()).isEqualTo(201);
        String id = created.body().path("id").asString();
        workspaceIds.add(id);
        assertThat(created.body().path("agentId").asString()).as(name + " placed by " + placement)
                .isEqualTo(expectedAgent);
        return id;
    }

    private void assertRefused(Map<String, Object> placement, String detail) throws IOException, InterruptedException {
        Map<String, Object> body = new LinkedHashMap<>(placement);
        body.put("name", "nowhere");
        body.put("image", IMAGE);
        HubAdminClient.Answer refused = api.post("/api/v1/workspaces", HubAdminClient.json().valueToTree(body));
        assertThat(refused.status()).as(refused.body().toString()).isEqualTo(409);
        assertThat(refused.body().path("type").asString()).isEqualTo("urn:codehub:problem:no-eligible-agent");
        assertThat(refused.body().path("detail").asString()).contains(detail);
    }

    private void act(List<String> ids, String action) throws IOException, InterruptedException {
        for (String id : ids) {
            HubAdminClient.Answer answer = api.post("/api/v1/workspaces/" + id + "/" + action,
                    HubAdminClient.json().createObjectNode());
            assertThat(answer.status()).as(action + " " + id + ": " + answer.body()).isEqualTo(202);
        }
    }

    private void delete(List<String> ids) throws IOException, InterruptedException {
        for (String id : ids) {
            assertThat(api.delete("/api/v1/workspaces/" + id).status()).as("delete " + id).isEqualTo(202);
        }
        for (String id : ids) {
            waitFor("workspace " + id + " to be deleted", SETTLE)
                    .until(() -> api.get("/api/v1/workspaces/" + id).status() == 404);
        }
    }

    private void awaitStates(List<String> ids, String state) {
        ids.forEach(id -> awaitState(id, state));
    }

    private JsonNode awaitState(String id, String state) {
        return waitFor("workspace " + id + " to be " + state, SETTLE)
                .until(() -> api.get("/api/v1/workspaces/" + id).body(), workspace -> {
                    hub.requireAlive();
                    String now = workspace.path("state").asString();
                    if (now.equals("ERROR") && !state.equals("ERROR")) {
                        // Not an assertion error: Awaitility stops at once instead of polling until the deadline.
                        throw new IllegalStateException("workspace " + id + " is ERROR: " + workspace);
                    }
                    return now.equals(state);
                });
    }

    private static List<String> ids(JsonNode list) {
        List<String> ids = new ArrayList<>();
        list.path("items").forEach(item -> ids.add(item.path("id").asString()));
        return ids;
    }

    // ---- the backends ---------------------------------------------------------------------------

    /** The workspace's container on dockerd: {@code running}, another state, or {@code missing}. */
    private static String container(String workspaceId) throws IOException, InterruptedException {
        ExternalCommand.Result inspect = ExternalCommand.run(ROOT, Duration.ofMinutes(1), "docker", "container", "inspect",
                "--format", "{{.State.Status}}", "codehub-ws-" + workspaceId);
        return inspect.exitCode() == 0 ? inspect.output().strip() : "missing";
    }

    private static boolean volumeExists(String workspaceId) throws IOException, InterruptedException {
        return ExternalCommand.run(ROOT, Duration.ofMinutes(1), "docker", "volume", "inspect", "codehub-ws-" + workspaceId)
                .exitCode() == 0;
    }

    /** The HTTP status of the workspace's object of {@code resource} (pods, persistentvolumeclaims) in the cluster. */
    private int kubeObject(String resource, String workspaceId) throws IOException, InterruptedException {
        return http.send(kubeGet(resource, workspaceId), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private String podPhase(String workspaceId) throws IOException, InterruptedException {
        HttpResponse<String> pod = http.send(kubeGet("pods", workspaceId), HttpResponse.BodyHandlers.ofString());
        if (pod.statusCode() != 200) {
            return "HTTP " + pod.statusCode();
        }
        return HubAdminClient.json().readTree(pod.body()).path("status").path("phase").asString();
    }

    private HttpRequest kubeGet(String resource, String workspaceId) {
        return HttpRequest.newBuilder(cluster.resolve("/api/v1/namespaces/" + NAMESPACE + "/" + resource + "/codehub-ws-"
                + workspaceId)).timeout(Duration.ofSeconds(10)).GET().build();
    }

    private static ConditionFactory waitFor(String what, Duration atMost) {
        return await(what).atMost(atMost).pollInterval(POLL);
    }

    private static String randomHex() {
        byte[] bytes = new byte[16];
        new SecureRandom().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    private void phase(String name) {
        Instant now = Instant.now();
        phases.put(name, Duration.between(phaseStart, now));
        phaseStart = now;
    }
}
