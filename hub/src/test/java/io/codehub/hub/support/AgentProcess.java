package io.codehub.hub.support;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;
import tools.jackson.databind.JsonNode;

/**
 * A real Runtime Agent ({@code agent/target/codehub-agent.jar}, built by the reactor before the hub)
 * run as a separate process on a free loopback port, trusting a hub key the test controls. The hub
 * never depends on the agent's code: this is the only way tests meet it.
 */
public final class AgentProcess implements AutoCloseable {

    /** Where the reactor puts the agent jar, seen from the hub module. */
    public static final Path JAR = Path.of("..", "agent", "target", "codehub-agent.jar");

    private final String agentId;
    private final int port;
    private final Path publicKey;
    private final Path archiveDir;
    private final Path log;
    private Process process;

    private final Map<String, String> environment;
    private final Path jar;

    private AgentProcess(String agentId, int port, Path publicKey, Path archiveDir, Path log,
            Map<String, String> environment, Path jar) {
        this.environment = Map.copyOf(environment);
        this.jar = jar;
        this.agentId = agentId;
        this.port = port;
        this.publicKey = publicKey;
        this.archiveDir = archiveDir;
        this.log = log;
    }

    /**
     * Starts an agent with id {@code agentId} that trusts {@code hubPublicKeyPem}, keeping its
     * archives and log in {@code dir}; returns once it is ready.
     */
    public static AgentProcess start(String agentId, String hubPublicKeyPem, Path dir) throws IOException {
        return start(agentId, freePort(), hubPublicKeyPem, dir);
    }

    /** Starts an agent as {@link #start(String, String, Path)} does, on {@code port}. */
    public static AgentProcess start(String agentId, int port, String hubPublicKeyPem, Path dir) throws IOException {
        return start(agentId, port, hubPublicKeyPem, dir, Map.of());
    }

    /**
     * Starts an agent as {@link #start(String, int, String, Path)} does, with more environment
     * variables (for example {@code CODEHUB_AGENT_HUB_URL} and {@code CODEHUB_AGENT_API_KEY}).
     */
    public static AgentProcess start(String agentId, int port, String hubPublicKeyPem, Path dir,
            Map<String, String> environment) throws IOException {
        if (!Files.isRegularFile(JAR)) {
            throw new IllegalStateException(JAR.toAbsolutePath().normalize() + " is missing: build the agent first "
                    + "(mvn -pl agent -am package -DskipTests, or the whole reactor)");
        }
        Files.createDirectories(dir);
        // A private copy: a reactor build running next to this test may replace the jar mid-run.
        Path jar = Files.copy(JAR, dir.resolve("codehub-agent.jar"), StandardCopyOption.REPLACE_EXISTING);
        Path key = Files.writeString(dir.resolve("hub-public.pem"), hubPublicKeyPem);
        AgentProcess agent = new AgentProcess(agentId, port, key, dir.resolve("archives").toAbsolutePath(),
                dir.resolve("agent.log"), environment, jar);
        agent.start();
        return agent;
    }

    /**
     * The set-up of a test with a real direct agent: registers it through the hub's API
     * ({@code registration}: name, type, capacity, ...; its endpoint is {@code http://127.0.0.1:<endpointPort>},
     * the agent's own port or a proxy's in front of it), starts its process on {@code port} trusting
     * the hub's key, with {@code environment}, and returns once the hub shows it {@code active}.
     */
    public static AgentProcess startRegistered(WebTestClient admin, Map<String, Object> registration, int port,
            int endpointPort, Path dir, Map<String, String> environment, Duration wait) throws IOException {
        Map<String, Object> body = new HashMap<>(registration);
        body.put("endpoint", "http://127.0.0.1:" + endpointPort);
        JsonNode registered = admin.post().uri("/api/v1/agents").contentType(MediaType.APPLICATION_JSON).bodyValue(body)
                .exchange().expectStatus().isCreated().expectBody(JsonNode.class).returnResult().getResponseBody();
        String agentId = registered.get("agent").get("id").asString();
        String publicKeyPem = admin.get().uri("/api/v1/hub").exchange().expectStatus().isOk().expectBody(JsonNode.class)
                .returnResult().getResponseBody().get("publicKeyPem").asString();
        AgentProcess agent = start(agentId, port, publicKeyPem, dir, environment);
        // The hub may have checked the agent before its process was up: wait until it is active.
        try {
            await().atMost(wait).pollInterval(Duration.ofMillis(200)).until(() -> "active".equals(admin.get()
                    .uri("/api/v1/agents/{id}", agentId).exchange().expectStatus().isOk().expectBody(JsonNode.class)
                    .returnResult().getResponseBody().path("status").asString("")));
        } catch (RuntimeException e) {
            agent.close();
            throw e;
        }
        return agent;
    }

    /** Starts (again) the agent process with the same id, port, key and archive directory. */
    public void start() throws IOException {
        ProcessBuilder builder = new ProcessBuilder("java", "-Xmx256m", "-XX:TieredStopAtLevel=1", "-jar",
                jar.toAbsolutePath().toString())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().put("CODEHUB_AGENT_ID", agentId);
        builder.environment().put("CODEHUB_AGENT_HUB_PUBLIC_KEY", publicKey.toAbsolutePath().toString());
        builder.environment().put("CODEHUB_AGENT_LISTEN", "127.0.0.1:" + port);
        builder.environment().put("CODEHUB_AGENT_ARCHIVE_DIR", archiveDir.toString());
        builder.environment().putAll(environment);
        process = builder.start();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest ready = HttpRequest.newBuilder(URI.create(endpoint() + "/actuator/health/readiness"))
                .timeout(Duration.ofSeconds(2)).build();
        try {
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250)).ignoreExceptions()
                    .until(() -> {
                        if (!process.isAlive()) {
                            throw new IllegalStateException("the agent exited with " + process.exitValue() + "; see " + log);
                        }
                        return http.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
                    });
        } catch (RuntimeException e) {
            kill();
            throw new IllegalStateException("the agent did not become ready; its log: " + Files.readString(log), e);
        }
    }

    /** The agent's id. */
    public String agentId() {
        return agentId;
    }

    /** Its archive store ({@code CODEHUB_AGENT_ARCHIVE_DIR}). */
    public Path archiveDir() {
        return archiveDir;
    }

    /** Where the hub reaches it. */
    public String endpoint() {
        return "http://127.0.0.1:" + port;
    }

    /** Kills the process at once (SIGKILL), as a crash would. */
    public void kill() {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void close() {
        if (process != null && process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(20, TimeUnit.SECONDS)) {
                    kill();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                kill();
            }
        }
    }

    /** A loopback port that was free a moment ago. */
    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
