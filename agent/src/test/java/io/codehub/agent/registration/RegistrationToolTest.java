package io.codehub.agent.registration;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import io.netty.handler.codec.http.HttpResponseStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerResponse;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class RegistrationToolTest {

    private static final String TOKEN = "admin-token-0123456789abcdef";
    private static final String PEM = "-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----\n";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @TempDir
    Path dir;

    private final List<String> requests = new CopyOnWriteArrayList<>();
    private final List<JsonNode> registrations = new CopyOnWriteArrayList<>();
    private final AtomicInteger notReadyAnswers = new AtomicInteger();
    private final AtomicInteger registered = new AtomicInteger();
    private volatile boolean hubForgetsAgents;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private DisposableServer hub;

    @BeforeEach
    void startHub() {
        hub = HttpServer.create().host("127.0.0.1").port(0)
                .handle((request, response) -> request.receive().aggregate().asString(StandardCharsets.UTF_8)
                        .defaultIfEmpty("")
                        .flatMap(body -> {
                            String line = request.method().name() + " " + request.uri();
                            requests.add(line);
                            if (line.equals("GET /actuator/health/readiness")) {
                                return notReadyAnswers.getAndUpdate(n -> Math.max(0, n - 1)) > 0
                                        ? answer(response, 503, "{\"status\":\"DOWN\"}")
                                        : answer(response, 200, "{\"status\":\"UP\"}");
                            }
                            if (!("Bearer " + TOKEN).equals(request.requestHeaders().get("Authorization"))) {
                                return answer(response, 401, "{\"type\":\"urn:codehub:problem:unauthorized\",\"status\":401}");
                            }
                            if (line.equals("GET /api/v1/hub")) {
                                return answer(response, 200, JSON.createObjectNode().put("hubId", "hub-1")
                                        .put("publicKeyPem", PEM).put("version", "0.1.0").toString());
                            }
                            if (line.equals("POST /api/v1/agents")) {
                                registrations.add(JSON.readTree(body));
                                int n = registered.incrementAndGet();
                                return answer(response, 201, "{\"agent\":{\"id\":\"agent-" + n + "\"},\"apiKey\":\"chk_agent-"
                                        + n + "_secret" + n + "\"}");
                            }
                            if (line.startsWith("GET /api/v1/agents/agent-") && !hubForgetsAgents) {
                                return answer(response, 200, "{\"id\":\"" + line.substring(line.lastIndexOf('/') + 1) + "\"}");
                            }
                            return answer(response, 404, "{\"type\":\"urn:codehub:problem:agent-not-found\",\"status\":404}");
                        }))
                .bindNow();
    }

    private static Mono<Void> answer(HttpServerResponse response, int status, String body) {
        return response.status(HttpResponseStatus.valueOf(status)).header("Content-Type", "application/json")
                .sendString(Mono.just(body)).then();
    }

    @AfterEach
    void stopHub() {
        hub.disposeNow();
    }

    @Test
    void registersTheAgentAndHandsItsIdentityOverInPrivateFiles() throws IOException {
        int code = run(TOKEN, "--name", "site-a", "--endpoint", "tunnel://", "--capacity", "7", "--region", "eu",
                "--label", "site=a");

        assertThat(code).as(err()).isZero();
        assertThat(registrations).singleElement().satisfies(body -> {
            assertThat(body.get("name").asString()).isEqualTo("site-a");
            assertThat(body.get("endpoint").asString()).isEqualTo("tunnel://");
            assertThat(body.get("type").asString()).isEqualTo("docker");
            assertThat(body.get("capacity").asInt()).isEqualTo(7);
            assertThat(body.get("region").asString()).isEqualTo("eu");
            assertThat(body.get("labels").get("site").asString()).isEqualTo("a");
        });
        Properties properties = properties();
        assertThat(properties.getProperty("codehub.agent.id")).isEqualTo("agent-1");
        assertThat(properties.getProperty("codehub.agent.api-key")).isEqualTo("chk_agent-1_secret1");
        Path publicKey = dir.resolve(RegistrationTool.HUB_PUBLIC_KEY_FILE);
        assertThat(properties.getProperty("codehub.agent.hub-public-key")).isEqualTo(publicKey.toString());
        assertThat(publicKey).hasContent(PEM.strip());
        for (Path file : List.of(publicKey, dir.resolve(RegistrationTool.PROPERTIES_FILE))) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder(
                    RegistrationTool.PROPERTIES_FILE, RegistrationTool.HUB_PUBLIC_KEY_FILE);
        }
        assertThat(out()).contains("registered agent agent-1").doesNotContain("secret1");
        assertThat(err()).doesNotContain("secret1");
    }

    @Test
    void runAgainItLeavesAnAgentTheHubKnowsAlone() throws IOException {
        assertThat(run(TOKEN, "--name", "direct", "--endpoint", "http://agent:8081")).isZero();

        assertThat(run(TOKEN, "--name", "direct", "--endpoint", "http://agent:8081")).as(err()).isZero();

        assertThat(registered).hasValue(1);
        assertThat(requests).contains("GET /api/v1/agents/agent-1");
        assertThat(properties().getProperty("codehub.agent.id")).isEqualTo("agent-1");
        assertThat(out()).contains("agent agent-1 is already registered with hub hub-1");
    }

    @Test
    void registersAgainWhenTheHubNoLongerKnowsTheRecordedAgent() throws IOException {
        assertThat(run(TOKEN, "--name", "direct", "--endpoint", "http://agent:8081")).isZero();
        hubForgetsAgents = true;

        assertThat(run(TOKEN, "--name", "direct", "--endpoint", "http://agent:8081")).as(err()).isZero();

        assertThat(registered).hasValue(2);
        assertThat(properties().getProperty("codehub.agent.id")).isEqualTo("agent-2");
        assertThat(properties().getProperty("codehub.agent.api-key")).isEqualTo("chk_agent-2_secret2");
        assertThat(out()).contains("does not know agent agent-1");
    }

    @Test
    void waitsUntilTheHubIsReady() {
        notReadyAnswers.set(2);

        assertThat(run(TOKEN, "--name", "direct", "--endpoint", "http://agent:8081", "--wait", "30s")).as(err()).isZero();

        assertThat(requests.stream().filter(r -> r.equals("GET /actuator/health/readiness"))).hasSize(3);
        assertThat(registered).hasValue(1);
    }

    @Test
    void givesUpWhenTheHubStaysUnready() {
        notReadyAnswers.set(Integer.MAX_VALUE);

        assertThat(run(TOKEN, "--name", "direct", "--endpoint", "http://agent:8081", "--wait", "2s")).isEqualTo(1);

        assertThat(err()).contains("was not ready within 2s").contains("/actuator/health/readiness: answered 503");
        assertThat(registered).hasValue(0);
        assertThat(dir).isEmptyDirectory();
    }

    @Test
    void aRefusedAdminTokenFailsAndWritesNothing() {
        assertThat(run("wrong-token-0123456789", "--name", "direct", "--endpoint", "http://agent:8081")).isEqualTo(1);

        assertThat(err()).contains("GET http://127.0.0.1:" + hub.port() + "/api/v1/hub answered 401")
                .contains("CODEHUB_ADMIN_TOKEN").doesNotContain("wrong-token");
        assertThat(dir).isEmptyDirectory();
    }

    @Test
    void theTokenMayComeFromAFile() throws IOException {
        Path tokenFile = Files.writeString(dir.resolveSibling(dir.getFileName() + "-token"), TOKEN + "\n");
        try {
            int code = RegistrationTool.run(new String[] {"--hub", hubUrl(), "--dir", dir.toString(), "--name", "d",
                    "--endpoint", "http://agent:8081", "--admin-token-file", tokenFile.toString()},
                    Map.of(), print(out), print(err));
            assertThat(code).as(err()).isZero();
        } finally {
            Files.deleteIfExists(tokenFile);
        }
    }

    @Test
    void unusableCommandLinesAreUsageErrors() {
        assertThat(RegistrationTool.run(new String[] {"--hub", hubUrl(), "--dir", dir.toString(), "--name", "d",
                "--endpoint", "http://agent:8081"}, Map.of(), print(out), print(err))).isEqualTo(2);
        assertThat(err()).contains("no admin token: set CODEHUB_ADMIN_TOKEN");
        assertThat(run(TOKEN, "--name", "d")).isEqualTo(2);
        assertThat(err()).contains("missing --endpoint");
        assertThat(run(TOKEN, "--name", "d", "--endpoint", "tunnel://", "--capacity", "-1")).isEqualTo(2);
        assertThat(err()).contains("--capacity: -1 (expected: >= 0)");
        assertThat(RegistrationTool.run(new String[] {"--hub", "ftp://hub", "--dir", "x", "--name", "d", "--endpoint", "e"},
                Map.of("CODEHUB_ADMIN_TOKEN", TOKEN), print(out), print(err))).isEqualTo(2);
        assertThat(err()).contains("--hub: 'ftp://hub'");
        assertThat(registered).hasValue(0);
    }

    @Test
    void aDamagedRecordIsNotOverwritten() throws IOException {
        Files.writeString(dir.resolve(RegistrationTool.PROPERTIES_FILE), "codehub.agent.id=\n");

        assertThat(run(TOKEN, "--name", "d", "--endpoint", "http://agent:8081")).isEqualTo(1);

        assertThat(err()).contains("holds no usable codehub.agent.id").contains("remove it");
        assertThat(registered).hasValue(0);
    }

    private int run(String token, String... args) {
        String[] all = new String[args.length + 4];
        all[0] = "--hub";
        all[1] = hubUrl();
        all[2] = "--dir";
        all[3] = dir.toString();
        System.arraycopy(args, 0, all, 4, args.length);
        return RegistrationTool.run(all, Map.of("CODEHUB_ADMIN_TOKEN", token), print(out), print(err));
    }

    private String hubUrl() {
        return "http://127.0.0.1:" + hub.port();
    }

    private Properties properties() throws IOException {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(dir.resolve(RegistrationTool.PROPERTIES_FILE))) {
            properties.load(reader);
        }
        return properties;
    }

    private static PrintStream print(ByteArrayOutputStream target) {
        return new PrintStream(target, true, StandardCharsets.UTF_8);
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }
}
