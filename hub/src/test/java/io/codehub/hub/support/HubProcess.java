package io.codehub.hub.support;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.awaitility.core.ConditionTimeoutException;
import org.springframework.http.HttpHeaders;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * A real hub run from the shipped jar ({@code hub/target/codehub-hub.jar}, its {@code main}, as
 * operators run it) as a child process: API, tunnel, gateway and hub-to-hub ports on free loopback
 * ports, its data directory and log in a directory of the test's, the admin token given, and more
 * environment on top (which wins over these defaults). The ports stay the same across
 * {@link #restart()}, so a load balancer or an agent configured with them finds the hub again.
 *
 * <p>{@link #start()} only launches the process; {@link #awaitReady(Duration)} waits for its
 * readiness. {@link #close()} always kills it: a test that wants a graceful stop calls
 * {@link #terminate(Duration)} first.
 */
public final class HubProcess implements AutoCloseable {

    /** Where the build puts the hub jar, seen from the hub module. */
    public static final Path JAR = Path.of("target", "codehub-hub.jar");

    private static final Duration POLL = Duration.ofMillis(250);
    private static final Duration EXIT_WAIT = Duration.ofSeconds(30);

    private final String hubId;
    private final Path dir;
    private final String adminToken;
    private final int apiPort;
    private final int tunnelPort;
    private final int gatewayPort;
    private final int internalPort;
    private final Map<String, String> environment;
    private final Path log;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private Process process;

    private HubProcess(String hubId, Path dir, String adminToken, Map<String, String> extra) throws IOException {
        this.hubId = hubId;
        this.dir = dir;
        this.adminToken = adminToken;
        this.apiPort = AgentProcess.freePort();
        this.tunnelPort = AgentProcess.freePort();
        this.gatewayPort = AgentProcess.freePort();
        this.internalPort = AgentProcess.freePort();
        this.log = dir.resolve(hubId + ".log");
        Map<String, String> env = new LinkedHashMap<>();
        env.put("SERVER_ADDRESS", "127.0.0.1");
        env.put("SERVER_PORT", Integer.toString(apiPort));
        env.put("CODEHUB_HUB_DATA_DIR", dataDir().toString());
        env.put("CODEHUB_ADMIN_TOKEN", adminToken);
        env.put("CODEHUB_HUB_TUNNEL_ADDRESS", "127.0.0.1");
        env.put("CODEHUB_HUB_TUNNEL_PORT", Integer.toString(tunnelPort));
        env.put("CODEHUB_HUB_GATEWAY_ADDRESS", "127.0.0.1");
        env.put("CODEHUB_HUB_GATEWAY_PORT", Integer.toString(gatewayPort));
        env.put("CODEHUB_HUB_ID", hubId);
        if (extra.containsKey("CODEHUB_DATABASE_URL")) {
            // A hub on PostgreSQL is one of many; on the embedded database it is alone (and must be).
            env.put("CODEHUB_HUB_INTERNAL_URL", internalUrl());
            env.put("CODEHUB_HUB_INTERNAL_PORT", Integer.toString(internalPort));
        }
        env.put("CODEHUB_HUB_API_KEYS_BCRYPT_COST", "4");
        env.putAll(extra);
        this.environment = Map.copyOf(env);
    }

    /**
     * A hub named {@code hubId} ({@code CODEHUB_HUB_ID}) keeping its data and log in {@code dir},
     * not started yet: a test may put files in {@link #dataDir()} first (a key pair, say).
     * {@code environment} adds to or overrides the defaults (for example {@code CODEHUB_DATABASE_URL}).
     */
    public static HubProcess create(String hubId, Path dir, String adminToken, Map<String, String> environment)
            throws IOException {
        Files.createDirectories(dir);
        return new HubProcess(hubId, dir.toAbsolutePath(), adminToken, environment);
    }

    /** {@link #create} then {@link #start()}: the process runs, not necessarily ready yet. */
    public static HubProcess start(String hubId, Path dir, String adminToken, Map<String, String> environment)
            throws IOException {
        HubProcess hub = create(hubId, dir, adminToken, environment);
        hub.start();
        return hub;
    }

    /** Launches the process (its output appended to {@link #log()}); returns without waiting for readiness. */
    public HubProcess start() throws IOException {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException(hubId + " is already running (pid " + process.pid() + ")");
        }
        if (!Files.isRegularFile(JAR)) {
            throw new IllegalStateException(JAR.toAbsolutePath().normalize() + " is missing: build the hub first "
                    + "(mvn -pl hub -am package -DskipTests; failsafe runs after package)");
        }
        ProcessBuilder builder = new ProcessBuilder("java", "-Xmx256m", "-XX:TieredStopAtLevel=1", "-jar",
                JAR.toAbsolutePath().toString())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().putAll(environment);
        process = builder.start();
        return this;
    }

    /** {@link #start()} again, with the same ports, environment and data directory; the process must have ended. */
    public HubProcess restart() throws IOException {
        return start();
    }

    /**
     * Waits until {@code /actuator/health/readiness} answers 200; fails at once, with the end of
     * the log, if the process exits, and after {@code atMost} otherwise.
     */
    public HubProcess awaitReady(Duration atMost) {
        HttpRequest ready = HttpRequest.newBuilder(URI.create(apiUrl() + "/actuator/health/readiness"))
                .timeout(Duration.ofSeconds(2)).build();
        try {
            await().atMost(atMost).pollInterval(POLL).ignoreExceptions().until(() -> {
                if (process == null || !process.isAlive()) {
                    throw new AssertionError("not running");
                }
                return http.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
            });
        } catch (ConditionTimeoutException e) {
            String state = process == null ? "never started" : process.isAlive() ? "still running"
                    : "exited with " + process.exitValue();
            throw new IllegalStateException(hubId + " was not ready within " + atMost + " (" + state + "); the end of "
                    + log + ":\n" + logTail(80), e);
        }
        return this;
    }

    /** Kills the process at once (SIGKILL), as a crash would, and waits for it to be gone. */
    public void kill() {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            waitForExit(EXIT_WAIT);
        }
    }

    /**
     * Asks the process to stop (SIGTERM: the hub's graceful shutdown) and waits up to {@code atMost};
     * returns whether it ended in that time (if not, it is left running: {@link #kill()} or
     * {@link #close()} ends it).
     */
    public boolean terminate(Duration atMost) {
        if (process == null || !process.isAlive()) {
            return true;
        }
        process.destroy();
        return waitForExit(atMost);
    }

    /**
     * Stops the process where it stands (SIGSTOP): its sockets stay open and accept connections
     * (the kernel completes handshakes into the backlog) but nothing answers, as with a hub stuck
     * in a long GC pause or a VM frozen by its host. {@link #thaw()} resumes it; {@link #kill()} works on it.
     */
    public void freeze() throws IOException, InterruptedException {
        signal("STOP");
    }

    /** Resumes a {@link #freeze() frozen} process (SIGCONT). */
    public void thaw() throws IOException, InterruptedException {
        signal("CONT");
    }

    /** Whether the process is running. */
    public boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** Its exit code; the process must have ended. */
    public int exitValue() {
        return process.exitValue();
    }

    /** Kills the process if it still runs; never graceful, so that a failing test cannot hang here. */
    @Override
    public void close() {
        kill();
    }

    /** {@code CODEHUB_HUB_ID}. */
    public String hubId() {
        return hubId;
    }

    public int apiPort() {
        return apiPort;
    }

    public int tunnelPort() {
        return tunnelPort;
    }

    public int gatewayPort() {
        return gatewayPort;
    }

    /** {@code CODEHUB_HUB_INTERNAL_PORT}: the hub-to-hub listener. */
    public int internalPort() {
        return internalPort;
    }

    /** {@code http://127.0.0.1:<api port>}. */
    public String apiUrl() {
        return "http://127.0.0.1:" + apiPort;
    }

    /** {@code CODEHUB_HUB_INTERNAL_URL}: how other hubs reach this one. */
    public String internalUrl() {
        return "http://127.0.0.1:" + internalPort;
    }

    /** The tunnel port as an agent's {@code CODEHUB_AGENT_HUB_URL} names it. */
    public String tunnelUrl() {
        return "tcp://127.0.0.1:" + tunnelPort;
    }

    /** {@code CODEHUB_HUB_DATA_DIR}. */
    public Path dataDir() {
        return dir.resolve("data");
    }

    /** The process's output, across restarts. */
    public Path log() {
        return log;
    }

    public String adminToken() {
        return adminToken;
    }

    /** The whole environment the process gets besides the test's own. */
    public Map<String, String> environment() {
        return environment;
    }

    /** A client of this hub's API that sends the admin token. */
    public WebTestClient adminClient() {
        return adminClient(apiUrl(), adminToken);
    }

    /** A client of {@code baseUrl} (this hub, or a load balancer in front of hubs) that sends {@code adminToken}. */
    public static WebTestClient adminClient(String baseUrl, String adminToken) {
        return TestHttp.to(baseUrl).responseTimeout(Duration.ofSeconds(30))
                .defaultHeader(HttpHeaders.AUTHORIZATION, "Bearer " + adminToken).build();
    }

    /** The last {@code lines} lines of the log (for failure messages). */
    public String logTail(int lines) {
        try {
            List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e + ")";
        }
    }

    @Override
    public String toString() {
        return hubId + " (api " + apiPort + ", tunnel " + tunnelPort + ", gateway " + gatewayPort + ", internal "
                + internalPort + (process == null ? "" : ", pid " + process.pid()) + ")";
    }

    private void signal(String name) throws IOException, InterruptedException {
        if (process == null || !process.isAlive()) {
            throw new IllegalStateException(hubId + " is not running");
        }
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).redirectErrorStream(true)
                .start();
        String output = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            throw new IllegalStateException("kill -" + name + " " + process.pid() + " failed: " + output);
        }
    }

    private boolean waitForExit(Duration atMost) {
        try {
            return process.waitFor(atMost.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            return false;
        }
    }
}
