package io.codehub.clients;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.codehub.clients.agent.api.HealthApi;
import io.codehub.clients.agent.api.InstancesApi;
import io.codehub.clients.agent.model.Health;
import io.codehub.clients.agent.model.InstanceState;
import io.codehub.clients.agent.model.InstanceStatus;
import io.codehub.clients.agent.model.Upstream;
import io.codehub.clients.hub.ApiClient;
import io.codehub.clients.hub.ApiException;
import io.codehub.clients.hub.ApiResponse;
import io.codehub.clients.hub.api.AgentsApi;
import io.codehub.clients.hub.api.HubApi;
import io.codehub.clients.hub.api.WorkspacesApi;
import io.codehub.clients.hub.model.AgentView;
import io.codehub.clients.hub.model.AgentWithKey;
import io.codehub.clients.hub.model.CreateWorkspaceRequest;
import io.codehub.clients.hub.model.Problem;
import io.codehub.clients.hub.model.RegisterAgentRequest;
import io.codehub.clients.hub.model.WorkspaceView;
import io.codehub.runtime.AgentApiDocument;
import io.codehub.runtime.contract.DockerCli;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.yaml.snakeyaml.Yaml;

/**
 * The clients that openapi-generator made at build time from the two committed documents (the
 * Agent API's {@code agent-api.yaml} and {@code docs/hub-api.yaml}) against the real hub and the
 * real agent, both run from their jars as they ship, the agent on the real dockerd: register the
 * agent, create and start a workspace until it runs, ask the agent about it directly, and read
 * problem+json errors of both as the generated {@code Problem} model. The documents the two
 * processes serve are the ones the clients were made from.
 *
 * <p>The Agent API is called as the hub calls it, with an ES256 token that the hub's own key signs:
 * the test reads that key from the hub's data directory, playing the hub's part.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class GeneratedClientsIT {

    private static final Path ROOT = Path.of(System.getProperty("codehub.root", "..")).toAbsolutePath().normalize();
    private static final String IMAGE = "codehub/sample-workspace:local";
    private static final String ADMIN_TOKEN = "api-clients-admin-token-0123456789";
    private static final Duration CONVERGE = Duration.ofSeconds(90);

    private static Path dir;
    private static JarProcess hub;
    private static JarProcess agent;
    private static String hubUrl;
    private static String agentUrl;
    private static ApiClient hubClient;
    private static String agentId;
    private static final List<String> workspaces = new ArrayList<>();

    @BeforeAll
    static void startHubAndAgent() throws Exception {
        DockerCli.run("image", "inspect", "--format", "{{.Id}}", IMAGE); // fails the test, never skips it
        dir = Files.createTempDirectory("api-clients-it");
        int hubPort = JarProcess.freePort();
        hubUrl = "http://127.0.0.1:" + hubPort;
        Map<String, String> hubEnv = new HashMap<>();
        hubEnv.put("SERVER_PORT", Integer.toString(hubPort));
        hubEnv.put("SERVER_ADDRESS", "127.0.0.1");
        hubEnv.put("CODEHUB_HUB_DATA_DIR", dir.resolve("hub-data").toString());
        hubEnv.put("CODEHUB_ADMIN_TOKEN", ADMIN_TOKEN);
        hubEnv.put("CODEHUB_HUB_TUNNEL_PORT", "0");
        hubEnv.put("CODEHUB_HUB_TUNNEL_ADDRESS", "127.0.0.1");
        hubEnv.put("CODEHUB_HUB_GATEWAY_PORT", "0");
        hubEnv.put("CODEHUB_HUB_GATEWAY_ADDRESS", "127.0.0.1");
        hubEnv.put("CODEHUB_HUB_HEALTH_INTERVAL", "1s");
        hubEnv.put("CODEHUB_HUB_RECONCILER_INTERVAL", "500ms");
        hub = JarProcess.start("hub", ROOT.resolve("hub/target/codehub-hub.jar"), dir.resolve("hub"), hubEnv,
                URI.create(hubUrl + "/actuator/health/readiness"));

        hubClient = new ApiClient();
        hubClient.updateBaseUri(hubUrl);
        hubClient.setRequestInterceptor(request -> request.header("Authorization", "Bearer " + ADMIN_TOKEN));
        String publicKeyPem = new HubApi(hubClient).getHubInfo().getPublicKeyPem();

        int agentPort = JarProcess.freePort();
        agentUrl = "http://127.0.0.1:" + agentPort;
        ApiResponse<AgentWithKey> registered = new AgentsApi(hubClient).registerAgentWithHttpInfo(new RegisterAgentRequest()
                .name("api-clients").endpoint(agentUrl).type("docker").capacity(2).region("lab"));
        assertThat(registered.getStatusCode()).isEqualTo(201);
        agentId = registered.getData().getAgent().getId();
        assertThat(registered.getHeaders().get("location")).containsExactly("/api/v1/agents/" + agentId);
        assertThat(registered.getData().getApiKey()).startsWith("chk_" + agentId + "_");

        Path publicKey = Files.writeString(dir.resolve("hub-public.pem"), publicKeyPem);
        agent = JarProcess.start("agent", ROOT.resolve("agent/target/codehub-agent.jar"), dir.resolve("agent"), Map.of(
                        "CODEHUB_AGENT_ID", agentId,
                        "CODEHUB_AGENT_HUB_PUBLIC_KEY", publicKey.toString(),
                        "CODEHUB_AGENT_LISTEN", "127.0.0.1:" + agentPort,
                        "CODEHUB_AGENT_ARCHIVE_DIR", dir.resolve("archives").toString()),
                URI.create(agentUrl + "/actuator/health/readiness"));
        // The hub may have checked the agent before its process was up: wait until it is active again.
        await().atMost(CONVERGE).until(() -> new AgentsApi(hubClient).getAgent(agentId).getStatus(),
                AgentView.StatusEnum.ACTIVE::equals);
    }

    @AfterAll
    static void stopEverything() {
        try {
            for (JarProcess process : new JarProcess[] {hub, agent}) {
                if (process != null) {
                    process.close();
                }
            }
        } finally {
            workspaces.forEach(DockerCli::removeWorkspaces);
            deleteRecursively(dir);
        }
    }

    @Test
    void theProcessesServeTheDocumentsTheClientsWereGeneratedFrom() throws Exception {
        Yaml yaml = new Yaml();
        Object hubServes = yaml.load(get(hubUrl + "/v3/api-docs.yaml"));
        assertThat(hubServes).isEqualTo(yaml.load(Files.readString(ROOT.resolve("docs/hub-api.yaml"))));
        String agentDocument;
        try (InputStream in = AgentApiDocument.class.getResourceAsStream(AgentApiDocument.RESOURCE)) {
            agentDocument = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertThat(get(agentUrl + "/openapi.yaml")).isEqualTo(agentDocument);
    }

    @Test
    void aWorkspaceRunsThroughTheGeneratedClientsAndErrorsAreTypedProblems() throws Exception {
        WorkspacesApi hubWorkspaces = new WorkspacesApi(hubClient);
        ApiResponse<WorkspaceView> created = hubWorkspaces.createWorkspaceWithHttpInfo(new CreateWorkspaceRequest()
                .name("generated-client").image(IMAGE).imagePullPolicy(CreateWorkspaceRequest.ImagePullPolicyEnum.NEVER)
                .agentId(agentId));
        String id = created.getData().getId();
        workspaces.add(id);
        assertThat(created.getStatusCode()).isEqualTo(201);
        assertThat(created.getHeaders().get("location")).containsExactly("/api/v1/workspaces/" + id);
        assertThat(created.getData().getDesiredState()).isEqualTo(WorkspaceView.DesiredStateEnum.RUNNING);

        ApiResponse<WorkspaceView> started = hubWorkspaces.startWorkspaceWithHttpInfo(id);
        assertThat(started.getStatusCode()).isEqualTo(202);
        WorkspaceView running = await().atMost(CONVERGE).until(() -> hubWorkspaces.getWorkspace(id),
                w -> w.getState() == WorkspaceView.StateEnum.RUNNING);
        assertThat(running.getAgentId()).isEqualTo(agentId);
        assertThat(running.getPort()).isEqualTo(8080);

        // The same workspace, straight from its agent with the Agent API's client.
        // The Agent API client's classes share their simple names with the hub client's: qualified here.
        var agentClient = new io.codehub.clients.agent.ApiClient();
        agentClient.updateBaseUri(agentUrl);
        String token = hubToken(agentId);
        agentClient.setRequestInterceptor(request -> request.header("Authorization", "Bearer " + token));
        Health health = new HealthApi(agentClient).health();
        assertThat(health.getStatus()).isEqualTo(Health.StatusEnum.UP);
        assertThat(health.getRuntime()).isEqualTo("docker");
        InstancesApi instances = new InstancesApi(agentClient);
        InstanceStatus status = instances.instanceStatus(id);
        assertThat(status.getState()).isEqualTo(InstanceState.RUNNING);
        assertThat(status.getImage()).isEqualTo(IMAGE);
        Upstream upstream = instances.instanceUpstream(id, null);
        assertThat(upstream.getHost()).isEqualTo("127.0.0.1");
        // RUNNING is the container's state; the app inside may take a moment more to listen.
        await().atMost(CONVERGE).ignoreExceptions().until(() -> get("http://127.0.0.1:" + upstream.getPort() + "/hello"),
                body -> body.startsWith("hello from port 8080"));

        // Errors of either API, read as the generated Problem model.
        Problem unknown = problem(catchThrowableOfType(ApiException.class,
                () -> hubWorkspaces.getWorkspace("no-such-workspace")));
        assertThat(unknown.getType()).isEqualTo(Problem.TypeEnum.URN_CODEHUB_PROBLEM_WORKSPACE_NOT_FOUND);
        assertThat(unknown.getStatus()).isEqualTo(404);
        assertThat(unknown.getInstance()).isEqualTo("/api/v1/workspaces/no-such-workspace");
        ApiClient anonymous = new ApiClient();
        anonymous.updateBaseUri(hubUrl);
        Problem refused = problem(catchThrowableOfType(ApiException.class, () -> new AgentsApi(anonymous).listAgents(
                null, null, null, null, null)));
        assertThat(refused.getType()).isEqualTo(Problem.TypeEnum.URN_CODEHUB_PROBLEM_UNAUTHORIZED);

        var notExposed = catchThrowableOfType(
                io.codehub.clients.agent.ApiException.class, () -> instances.instanceUpstream(id, 5173));
        assertThat(notExposed.getCode()).isEqualTo(404);
        assertThat(notExposed.getResponseHeaders().firstValue("content-type")).hasValue("application/problem+json");
        var agentProblem = agentClient.getObjectMapper()
                .readValue(notExposed.getResponseBody(), io.codehub.clients.agent.model.Problem.class);
        assertThat(agentProblem.getType())
                .isEqualTo(io.codehub.clients.agent.model.Problem.TypeEnum.URN_CODEHUB_PROBLEM_PORT_NOT_EXPOSED);
        assertThat(agentProblem.getDetail()).contains("8080");

        // Clean up through the API: the workspace goes, and so do its container and volume.
        assertThat(hubWorkspaces.deleteWorkspaceWithHttpInfo(id).getStatusCode()).isEqualTo(202);
        await().atMost(CONVERGE).until(() -> {
            ApiException gone = catchThrowableOfType(ApiException.class, () -> hubWorkspaces.getWorkspace(id));
            return gone != null && problem(gone).getType() == Problem.TypeEnum.URN_CODEHUB_PROBLEM_WORKSPACE_NOT_FOUND;
        });
        assertThat(DockerCli.hasContainer(id)).isFalse();
        assertThat(DockerCli.hasVolume(id)).isFalse();
    }

    /** The problem+json body of a failed hub call, as the generated model. */
    private static Problem problem(ApiException failure) {
        assertThat(failure).as("the call should have failed").isNotNull();
        assertThat(failure.getResponseHeaders().firstValue("content-type")).hasValue("application/problem+json");
        Problem problem = hubClient.getObjectMapper().readValue(failure.getResponseBody(), Problem.class);
        assertThat(problem.getStatus()).isEqualTo(failure.getCode());
        return problem;
    }

    /** An Agent API token as the hub makes them: ES256 with the hub's key, for one agent. */
    private static String hubToken(String audience) throws IOException, JOSEException, ParseException {
        ECKey key = ECKey.parse(Files.readString(dir.resolve("hub-data").resolve("hub-key.jwk")));
        Instant now = Instant.now();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(key.getKeyID())
                .type(JOSEObjectType.JWT).build(), new JWTClaimsSet.Builder().audience(audience)
                .issueTime(Date.from(now)).expirationTime(Date.from(now.plus(Duration.ofMinutes(10)))).build());
        jwt.sign(new ECDSASigner(key));
        return jwt.serialize();
    }

    private static String get(String url) throws IOException, InterruptedException {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("GET " + url).isEqualTo(200);
        return response.body();
    }

    private static void deleteRecursively(Path root) {
        if (root == null) {
            return;
        }
        try (var paths = Files.walk(root)) {
            paths.sorted((a, b) -> b.getNameCount() - a.getNameCount()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            throw new IllegalStateException("cannot delete " + root, e);
        }
    }
}
