package io.codehub.agent.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

import io.codehub.agent.TestHubKeys;
import io.codehub.runtime.contract.DockerCli;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * The Agent API over real HTTP with real tokens, in front of a real dockerd. Every response is
 * validated against the OpenAPI document by {@link AgentApiClient}.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class AgentApiIT {

    static final String AGENT_ID = "agent-it";
    static final String PREFIX = "ait-";
    static final TestHubKeys HUB = TestHubKeys.generate();
    @TempDir
    static Path dir;

    /** httpd on the workspace's port 8080 and, as a dev server would, on its additional port 3000. */
    static final String WORKSPACE_SPEC = """
            {"image": "codehub/busybox:local", "imagePullPolicy": "Never", "ports": [3000],
             "command": ["sh", "-c", "httpd -p 3000 -h /home/coder && exec httpd -f -p 8080 -h /home/coder"]}""";

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("codehub.agent.id", () -> AGENT_ID);
        registry.add("codehub.agent.hub-public-key", () -> HUB.writePublicKey(dir).toString());
        registry.add("codehub.agent.archive-dir", () -> dir.resolve("archives").toString());
    }

    @LocalServerPort
    int port;
    AgentApiClient api;

    @BeforeEach
    void client() {
        api = new AgentApiClient(port, HUB.token(AGENT_ID, Instant.now().plusSeconds(300)));
    }

    @AfterEach
    void cleanUpWorkspaces() {
        DockerCli.removeWorkspaces(PREFIX);
    }

    @AfterAll
    static void cleanUpLeftoversAndCheckCoverage() {
        DockerCli.removeWorkspaces(PREFIX);
        assertThat(AgentApiClient.unexercisedOperations())
                .as("operations of agent-api.yaml no test response was validated against").isEmpty();
    }

    static String newWorkspace() {
        byte[] random = new byte[4];
        ThreadLocalRandom.current().nextBytes(random);
        return PREFIX + HexFormat.of().formatHex(random);
    }

    // ---- open endpoints -------------------------------------------------------------------------

    @Test
    void servesTheOpenApiDocumentWithoutAToken() {
        AgentApiClient.Reply reply = api.raw("GET", "/openapi.yaml", null, null, null);
        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.contentType()).startsWith("application/yaml");
        assertThat(reply.body()).startsWith("openapi: 3.1.0");
    }

    @Test
    void probesNeedNoTokenAndRevealNothing() {
        for (String probe : new String[] {"/actuator/health/liveness", "/actuator/health/readiness"}) {
            AgentApiClient.Reply reply = api.raw("GET", probe, null, null, null);
            assertThat(reply.status()).as(probe).isEqualTo(200);
            assertThat(reply.json().propertyNames()).containsExactly("status");
        }
        assertThat(api.raw("GET", "/actuator/env", null, null, null).status()).isEqualTo(401);
    }

    // ---- authentication -------------------------------------------------------------------------

    @Test
    void refusesCallsWithoutAValidToken() {
        String[] rejected = {
                null,
                "Basic YWdlbnQ6c2VjcmV0",
                "Bearer not-a-jwt",
                "Bearer " + HUB.token(AGENT_ID, Instant.now().minusSeconds(120)),
                "Bearer " + HUB.token("another-agent", Instant.now().plusSeconds(120)),
                "Bearer " + TestHubKeys.generate().token(AGENT_ID, Instant.now().plusSeconds(120)),
        };
        for (String authorization : rejected) {
            AgentApiClient.Reply reply = AgentApiClient.withAuthorization(port, authorization).get("/volumes")
                    .assertProblem(401, "unauthorized");
            assertThat(reply.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
            if (authorization != null && authorization.length() > 20) {
                assertThat(reply.body()).doesNotContain(authorization.substring(7));
            }
        }
    }

    // ---- instances and volumes ------------------------------------------------------------------

    @Test
    void workspaceLifecycle() throws Exception {
        String ws = newWorkspace();
        assertThat(api.get("/volumes/" + ws + "/exists").json().get("exists").asBoolean()).isFalse();
        assertThat(api.post("/volumes/" + ws, null).json().get("name").asString()).isEqualTo("codehub-ws-" + ws);
        assertThat(api.post("/volumes/" + ws, null).status()).isEqualTo(200);
        assertThat(api.get("/volumes/" + ws + "/exists").json().get("exists").asBoolean()).isTrue();
        assertThat(api.get("/volumes").json().get("items").findValuesAsString("workspaceId")).contains(ws);

        JsonNode started = api.post("/instances/" + ws + "/start", WORKSPACE_SPEC).json();
        assertThat(started.get("workspaceId").asString()).isEqualTo(ws);
        assertThat(started.get("port").asInt()).isEqualTo(8080);
        assertThat(started.get("ports").size()).isEqualTo(1);
        assertThat(started.get("ports").get(0).asInt()).isEqualTo(3000);
        awaitState(ws, "running");
        assertThat(api.post("/instances/" + ws + "/start", WORKSPACE_SPEC).json().get("state").asString()).isEqualTo("running");
        assertThat(api.get("/instances?prefix=" + ws).json().get("items").findValuesAsString("workspaceId")).containsExactly(ws);

        DockerCli.exec(ws, "echo 'served through the upstream' > /home/coder/index.html");
        JsonNode upstream = api.get("/instances/" + ws + "/upstream").json();
        assertThat(upstream.get("host").asString()).isEqualTo("127.0.0.1");
        assertThat(fetch(upstream, "/index.html")).isEqualTo("served through the upstream\n");
        JsonNode devServer = api.get("/instances/" + ws + "/upstream?port=3000").json();
        assertThat(devServer.get("host").asString()).isEqualTo("127.0.0.1");
        assertThat(devServer.get("port").asInt()).isNotEqualTo(upstream.get("port").asInt());
        assertThat(fetch(devServer, "/index.html")).isEqualTo("served through the upstream\n");
        assertThat(api.get("/instances/" + ws + "/upstream?port=8080").json()).isEqualTo(upstream);
        assertThat(api.get("/instances/" + ws + "/upstream?port=3001").assertProblem(404, "port-not-exposed")
                .json().get("detail").asString()).isEqualTo("instance codehub-ws-" + ws
                        + " does not expose port 3001 (exposed: 8080, 3000)");

        api.delete("/volumes/" + ws).assertProblem(409, "volume-in-use");
        assertThat(api.delete("/instances/" + ws).status()).isEqualTo(204);
        assertThat(api.delete("/instances/" + ws).status()).isEqualTo(204);
        assertThat(api.get("/instances/" + ws + "/status").json().get("state").asString()).isEqualTo("missing");
        api.get("/instances/" + ws + "/upstream").assertProblem(404, "instance-not-found");
        assertThat(api.delete("/volumes/" + ws).status()).isEqualTo(204);
        assertThat(api.delete("/volumes/" + ws).status()).isEqualTo(204);
        assertThat(api.get("/volumes/" + ws + "/exists").json().get("exists").asBoolean()).isFalse();
    }

    @Test
    void upstreamRefusesAPortThatIsNotAPortNumber() {
        String ws = newWorkspace();
        for (String port : new String[] {"0", "65536", "abc", "", "-1", "80.5", "99999999999"}) {
            assertThat(api.get("/instances/" + ws + "/upstream?port=" + port).assertProblem(400, "invalid-spec")
                    .json().get("detail").asString()).as("port=%s", port).startsWith("port: ")
                    .contains("expected: ").contains("1..65535");
        }
        // A valid port of a workspace without an instance: the instance is what is missing.
        api.get("/instances/" + ws + "/upstream?port=3000").assertProblem(404, "instance-not-found");
    }

    @Test
    void archiveAndRestoreRoundTripThroughTheApi() throws Exception {
        String ws = newWorkspace();
        api.post("/instances/" + ws + "/start", WORKSPACE_SPEC);
        awaitState(ws, "running");
        DockerCli.exec(ws, """
                cd /home/coder && mkdir -p private bin && printf 'line one\\nline two\\n' > notes.txt \
                && head -c 200000 /dev/urandom > blob.bin && chmod 750 private && echo secret > private/key \
                && chmod 600 private/key && printf '#!/bin/sh\\necho hi\\n' > bin/run && chmod 755 bin/run \
                && ln -s notes.txt link-to-notes && ln -s /etc/passwd absolute-link""");
        String before = DockerCli.exec(ws, "cd /home/coder && sha256sum notes.txt blob.bin private/key bin/run");
        String modesBefore = DockerCli.exec(ws, "cd /home/coder && stat -c '%n %a %F' private private/key bin/run link-to-notes");

        assertThat(api.delete("/instances/" + ws).status()).isEqualTo(204);
        AgentApiClient.Reply accepted = api.post("/jobs/archive", "{\"workspaceId\": \"" + ws + "\"}");
        assertThat(accepted.status()).isEqualTo(202);
        String archiveJob = accepted.json().get("jobId").asString();
        assertThat(accepted.headers().firstValue("Location")).hasValue("/jobs/" + archiveJob);
        JsonNode archived = awaitJob(archiveJob);
        assertThat(archived.get("state").asString()).as(archived.toString()).isEqualTo("succeeded");
        assertThat(archived.get("bytes").asLong()).isGreaterThan(200_000);
        String archiveKey = archived.get("archiveKey").asString();
        assertThat(sha256(dir.resolve("archives").resolve(archiveKey))).isEqualTo(archived.get("sha256").asString());

        assertThat(api.delete("/volumes/" + ws).status()).isEqualTo(204);
        AgentApiClient.Reply restoreAccepted = api.post("/jobs/restore",
                "{\"workspaceId\": \"" + ws + "\", \"archiveKey\": \"" + archiveKey + "\"}");
        assertThat(restoreAccepted.status()).isEqualTo(202);
        JsonNode restored = awaitJob(restoreAccepted.json().get("jobId").asString());
        assertThat(restored.get("state").asString()).as(restored.toString()).isEqualTo("succeeded");

        api.post("/instances/" + ws + "/start", WORKSPACE_SPEC);
        awaitState(ws, "running");
        assertThat(DockerCli.exec(ws, "cd /home/coder && sha256sum notes.txt blob.bin private/key bin/run")).isEqualTo(before);
        assertThat(DockerCli.exec(ws, "cd /home/coder && stat -c '%n %a %F' private private/key bin/run link-to-notes"))
                .isEqualTo(modesBefore);
        assertThat(DockerCli.exec(ws, "readlink /home/coder/link-to-notes; readlink /home/coder/absolute-link"))
                .isEqualTo("notes.txt\n/etc/passwd");
        assertThat(fetch(api.get("/instances/" + ws + "/upstream").json(), "/notes.txt")).isEqualTo("line one\nline two\n");
    }

    @Test
    void aJobStartAskedAgainUnderItsJobIdAnswersTheSameJob() throws Exception {
        String ws = newWorkspace();
        api.post("/instances/" + ws + "/start", WORKSPACE_SPEC);
        awaitState(ws, "running");
        assertThat(api.delete("/instances/" + ws).status()).isEqualTo(204);
        String jobId = UUID.randomUUID().toString();
        String body = "{\"workspaceId\": \"" + ws + "\", \"jobId\": \"" + jobId + "\"}";

        AgentApiClient.Reply first = api.post("/jobs/archive", body);
        assertThat(first.status()).isEqualTo(202);
        assertThat(first.json().get("jobId").asString()).isEqualTo(jobId);
        JsonNode done = awaitJob(jobId);
        assertThat(done.get("state").asString()).as(done.toString()).isEqualTo("succeeded");
        // Asked again (a caller that lost the answer): the same job, finished, and no second archive.
        AgentApiClient.Reply again = api.post("/jobs/archive", body);
        assertThat(again.status()).isEqualTo(202);
        assertThat(again.json().get("jobId").asString()).isEqualTo(jobId);
        assertThat(again.json().get("state").asString()).isEqualTo("succeeded");
        assertThat(again.json().get("archiveKey").asString()).isEqualTo(done.get("archiveKey").asString());
        try (var archives = Files.list(dir.resolve("archives"))) {
            assertThat(archives.map(path -> path.getFileName().toString()).filter(name -> name.startsWith(ws + "-")))
                    .as("one archive and its sidecar").hasSize(2);
        }

        api.post("/jobs/restore", "{\"workspaceId\": \"" + ws + "\", \"archiveKey\": \""
                + done.get("archiveKey").asString() + "\", \"jobId\": \"" + jobId + "\"}")
                .assertProblem(409, "job-id-in-use");
        api.post("/jobs/archive", "{\"workspaceId\": \"" + newWorkspace() + "\", \"jobId\": \"" + jobId + "\"}")
                .assertProblem(409, "job-id-in-use");
        api.post("/jobs/archive", "{\"workspaceId\": \"" + ws + "\", \"jobId\": \"JOB-1\"}")
                .assertProblem(400, "invalid-spec");
    }

    @Test
    void restoreRefusesATamperedArchiveAndLeavesTheVolumeAlone() throws Exception {
        String ws = newWorkspace();
        api.post("/instances/" + ws + "/start", WORKSPACE_SPEC);
        awaitState(ws, "running");
        DockerCli.exec(ws, "echo original > /home/coder/file.txt");
        api.delete("/instances/" + ws);
        JsonNode archived = awaitJob(api.post("/jobs/archive", "{\"workspaceId\": \"" + ws + "\"}").json().get("jobId").asString());
        String key = archived.get("archiveKey").asString();
        Path archive = dir.resolve("archives").resolve(key);
        byte[] bytes = Files.readAllBytes(archive);
        bytes[bytes.length / 2] ^= 0x5a;
        Files.write(archive, bytes);

        api.post("/instances/" + ws + "/start", WORKSPACE_SPEC);
        awaitState(ws, "running");
        DockerCli.exec(ws, "echo changed-after-archive > /home/coder/file.txt");
        api.post("/jobs/restore", "{\"workspaceId\": \"" + ws + "\", \"archiveKey\": \"" + key + "\"}")
                .assertProblem(409, "volume-in-use");
        api.delete("/instances/" + ws);

        JsonNode failed = awaitJob(api.post("/jobs/restore", "{\"workspaceId\": \"" + ws + "\", \"archiveKey\": \"" + key + "\"}")
                .json().get("jobId").asString());
        assertThat(failed.get("state").asString()).isEqualTo("failed");
        assertThat(failed.get("error").asString()).contains("checksum");
        api.post("/instances/" + ws + "/start", WORKSPACE_SPEC);
        awaitState(ws, "running");
        assertThat(DockerCli.exec(ws, "cat /home/coder/file.txt")).isEqualTo("changed-after-archive");
    }

    @Test
    void neverTouchesContainersItDidNotCreate() {
        String ws = newWorkspace();
        DockerCli.run("create", "--name", "codehub-ws-" + ws, "codehub/busybox:local", "sleep", "600");
        assertThat(api.get("/instances?prefix=" + ws).json().get("items")).isEmpty();
        assertThat(api.get("/instances/" + ws + "/status").json().get("state").asString()).isEqualTo("missing");
        api.delete("/instances/" + ws).assertProblem(409, "foreign-resource");
        api.post("/instances/" + ws + "/start", WORKSPACE_SPEC).assertProblem(409, "foreign-resource");
        assertThat(DockerCli.run("inspect", "-f", "{{.Name}}", "codehub-ws-" + ws)).isEqualTo("/codehub-ws-" + ws);
    }

    // ---- errors ---------------------------------------------------------------------------------

    @Test
    void badInputGetsProblemsWithStableTypes() {
        api.get("/instances/Not_Valid/status").assertProblem(400, "invalid-workspace-id");
        api.post("/volumes/" + "x".repeat(64), null).assertProblem(400, "invalid-workspace-id");
        String ws = newWorkspace();
        api.post("/instances/" + ws + "/start", "{\"image\": ").assertProblem(400, "malformed-request");
        api.post("/instances/" + ws + "/start", null).assertProblem(400, "malformed-request");
        api.post("/instances/" + ws + "/start", "{\"image\": \"codehub/busybox:local\", \"port\": 0}")
                .assertProblem(400, "invalid-spec");
        api.post("/instances/" + ws + "/start", "{\"image\": \"codehub/busybox:local\", \"imagePullPolicy\": \"Sometimes\"}")
                .assertProblem(400, "invalid-spec");
        api.send("POST", "/instances/" + ws + "/start", "image=x", "text/plain").assertProblem(415, "unsupported-media-type");
        api.post("/instances/" + ws + "/start", "{\"image\": \"codehub/busybox:local\", \"env\": {\"A\": \""
                + "x".repeat(70_000) + "\"}}").assertProblem(413, "payload-too-large");
        api.post("/jobs/archive", "{\"workspaceId\": \"../../etc\"}").assertProblem(400, "invalid-workspace-id");
        api.post("/jobs/restore", "{\"workspaceId\": \"" + ws + "\", \"archiveKey\": \"../../etc/passwd\"}")
                .assertProblem(400, "invalid-spec");
        api.post("/jobs/restore", "{\"workspaceId\": \"" + ws + "\", \"archiveKey\": \"" + ws + "-20000101T000000Z-00000000.tar.gz\"}")
                .assertProblem(404, "archive-not-found");
        api.post("/jobs/archive", "{\"workspaceId\": \"" + ws + "\"}").assertProblem(404, "volume-not-found");
        api.get("/jobs/no-such-job").assertProblem(404, "job-not-found");
        api.raw("GET", "/no/such/route", null, null, "Bearer " + HUB.token(AGENT_ID, Instant.now().plusSeconds(60)))
                .assertProblem(404, "not-found");
        api.raw("PUT", "/volumes/" + ws, null, null, "Bearer " + HUB.token(AGENT_ID, Instant.now().plusSeconds(60)))
                .assertProblem(405, "method-not-allowed");
        assertThat(api.get("/volumes/" + ws + "/exists").json().get("exists").asBoolean()).isFalse();
    }

    @Test
    void aMissingImageThatMayNotBePulledIsA422AndLeavesNothingBehind() {
        String ws = newWorkspace();
        api.post("/instances/" + ws + "/start", "{\"image\": \"codehub/absent:1\", \"imagePullPolicy\": \"Never\"}")
                .assertProblem(422, "image-unavailable");
        // A registry on loopback port 1 refuses at once: the pull fails without leaving the machine.
        AgentApiClient.Reply pull = api.post("/instances/" + ws + "/start", "{\"image\": \"127.0.0.1:1/codehub/absent:1\"}")
                .assertProblem(422, "image-unavailable");
        assertThat(pull.detail()).contains("127.0.0.1:1/codehub/absent:1");
        assertThat(api.get("/instances/" + ws + "/status").json().get("state").asString()).isEqualTo("missing");
        assertThat(api.get("/volumes/" + ws + "/exists").json().get("exists").asBoolean()).isFalse();
    }

    @Test
    void healthReportsTheDockerEngine() {
        JsonNode health = api.get("/health").json();
        assertThat(health.get("status").asString()).isEqualTo("UP");
        assertThat(health.get("runtime").asString()).isEqualTo("docker");
        assertThat(health.get("backend").asString()).contains("Docker");
    }

    // ---- helpers --------------------------------------------------------------------------------

    private void awaitState(String ws, String state) {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(() -> api.get("/instances/" + ws + "/status").json().get("state").asString().equals(state));
    }

    private JsonNode awaitJob(String jobId) {
        return await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200))
                .until(() -> api.get("/jobs/" + jobId).json(),
                        job -> job.get("state").asString().equals("succeeded") || job.get("state").asString().equals("failed"));
    }

    private static String fetch(JsonNode upstream, String path) throws Exception {
        URI uri = URI.create("http://" + upstream.get("host").asString() + ":" + upstream.get("port").asInt() + path);
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        return await().atMost(Duration.ofSeconds(20)).ignoreExceptions().until(
                () -> client.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
                        HttpResponse.BodyHandlers.ofString()),
                response -> response.statusCode() == 200).body();
    }

    private static String sha256(Path file) throws Exception {
        return HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }
}
