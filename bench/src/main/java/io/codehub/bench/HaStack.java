package io.codehub.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/**
 * What {@code bench ha} measures, started for one run: {@code hubs} real hubs
 * ({@code hub/target/codehub-hub.jar}) on a fresh schema of the machine's PostgreSQL, each with
 * its own {@code CODEHUB_HUB_ID} and hub-to-hub listener; {@code tunnels} real tunnel agents
 * ({@code agent/target/codehub-agent.jar}, Docker runtime) dialling the hubs through a
 * {@link TunnelForwarder} (agent {@code i} first lands on hub {@code i mod hubs}); and one
 * workspace of the sample app ({@code codehub/sample-workspace:local}) on the first agent, whose
 * tunnel the first hub holds (unless that agent had to reconnect while starting: the agents API
 * says which hub holds it).
 *
 * <h2>Clean-up</h2>
 * {@link #close()} deletes the workspace through a live hub, stops the processes and the
 * forwarder, removes the workspace's container and volume, and drops the schema
 * ({@code DROP SCHEMA ... CASCADE} with {@code psql}); a shutdown hook does the same on Ctrl-C.
 * Every wait is bounded. Logs stay in a temporary directory, deleted unless {@link #keepLogs()}
 * was called (a failed run does, and so does {@code CODEHUB_BENCH_KEEP_LOGS=true}).
 *
 * <h2>Environment</h2>
 * {@code CODEHUB_BENCH_HUB_JAVA_OPTS} (default {@code -Xmx384m}) and
 * {@code CODEHUB_BENCH_AGENT_JAVA_OPTS} (default {@code -Xmx128m}) are the hubs' and the agents'
 * JVM options; other {@code CODEHUB_*} variables are the stack's own.
 */
final class HaStack implements AutoCloseable {

    /** The machine's PostgreSQL, as the tests use it (trust authentication). */
    static final String DEFAULT_DATABASE = "postgresql://postgres@127.0.0.1:5432/test";
    private static final int APP_PORT = 8080;
    private static final Duration HUB_READY = Duration.ofSeconds(180);
    private static final Duration AGENT_ACTIVE = Duration.ofSeconds(180);
    private static final Duration WORKSPACE_RUNNING = Duration.ofSeconds(180);
    private static final Duration APP_ANSWERS = Duration.ofSeconds(60);
    private static final Duration WORKSPACE_DELETED = Duration.ofSeconds(30);

    /**
     * One hub process.
     *
     * @param index   its place in {@link #hubs()} (agent {@code i} first dials hub {@code i mod hubs})
     * @param id      its {@code CODEHUB_HUB_ID}, as the agents API names the hub holding a tunnel
     * @param admin   its admin API
     * @param gateway {@code GET /hello} of the workspace through this hub's gateway
     */
    record Hub(int index, String id, Process process, HubAdmin admin, GatewayTarget gateway) {
        @Override
        public String toString() {
            return id + " (pid " + process.pid() + ", gateway 127.0.0.1:" + gateway.port() + ")";
        }
    }

    private final Path dir;
    private final String database;
    private final String schema;
    private final String adminToken;
    private final List<Process> processes = new CopyOnWriteArrayList<>();
    private final List<Hub> hubs = new CopyOnWriteArrayList<>();
    private final List<String> agents = new ArrayList<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Thread hook;
    private volatile boolean keepLogs;
    private volatile @Nullable String workspace;
    private volatile boolean schemaCreated;
    private @Nullable TunnelForwarder forwarder;

    private HaStack(Path dir, String database) {
        this.dir = dir;
        this.database = database;
        byte[] random = new byte[6];
        new SecureRandom().nextBytes(random);
        this.schema = "bench_ha_" + HexFormat.of().formatHex(random);
        byte[] secret = new byte[24];
        new SecureRandom().nextBytes(secret);
        this.adminToken = "bench-admin-" + HexFormat.of().formatHex(secret);
        this.hook = new Thread(this::close, "bench-ha-cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /**
     * Starts {@code hubCount} hubs, {@code tunnelCount} agents and the workspace from the jars
     * under {@code root}, on a new schema of {@code database} (a {@code postgresql://} URL
     * without query); everything started is cleaned up on failure.
     */
    static HaStack start(Path root, String database, int hubCount, int tunnelCount) throws Exception {
        if (hubCount < 2) {
            throw new IllegalArgumentException("--hubs: " + hubCount + " (expected: >= 2, one to forward through)");
        }
        if (tunnelCount < 1) {
            throw new IllegalArgumentException("--tunnels: " + tunnelCount + " (expected: >= 1)");
        }
        Path hubJar = root.resolve("hub/target/codehub-hub.jar");
        Path agentJar = root.resolve("agent/target/codehub-agent.jar");
        for (Path jar : List.of(hubJar, agentJar)) {
            if (!Files.isRegularFile(jar)) {
                throw new IllegalStateException(jar + " is missing: build it with mvn -B -o -q -pl hub,agent -am -DskipTests "
                        + "package (bin/codehub bench ha does)");
            }
        }
        if (GatewayStack.docker("image", "inspect", "--format", "{{.Id}}", GatewayStack.IMAGE) == null) {
            throw new IllegalStateException(GatewayStack.IMAGE + " is not in the local Docker engine: build it with "
                    + "deploy/test-images/build (bin/codehub bench ha does)");
        }
        checkPostgres(database);
        HaStack stack = new HaStack(Files.createTempDirectory("codehub-bench-ha"), database);
        if ("true".equals(System.getenv("CODEHUB_BENCH_KEEP_LOGS"))) {
            stack.keepLogs();
        }
        try {
            stack.setUp(hubJar, agentJar, hubCount, tunnelCount);
            return stack;
        } catch (Exception | Error e) {
            stack.keepLogs();
            stack.close();
            throw e;
        }
    }

    /** Fails with what to do when PostgreSQL does not answer at {@code database} or {@code psql} is missing. */
    static void checkPostgres(String database) {
        URI uri = URI.create(database);
        if (!"postgresql".equals(uri.getScheme()) || uri.getHost() == null || uri.getQuery() != null) {
            throw new IllegalArgumentException("--database: '" + database + "' (expected: postgresql://user@host:port/db, "
                    + "no query; the bench adds ?schema=)");
        }
        int port = uri.getPort() > 0 ? uri.getPort() : 5432;
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(uri.getHost(), port), 2_000);
        } catch (IOException e) {
            throw new IllegalStateException("PostgreSQL is not reachable at " + uri.getHost() + ":" + port + " (" + e
                    + "): bench ha runs its hubs on the machine's PostgreSQL (" + DEFAULT_DATABASE + ", trust "
                    + "authentication; .ci/prepare-env sets it up) or on --database URL");
        }
        String answer = psql(database, "SELECT 1");
        if (answer == null || !answer.equals("1")) {
            throw new IllegalStateException("psql could not run SELECT 1 on " + database + " (answer: " + answer + "): "
                    + "bench ha needs psql (Debian's postgresql-client) and a database it may create schemas in");
        }
    }

    private void setUp(Path hubJar, Path agentJar, int hubCount, int tunnelCount) throws Exception {
        // Private copies: a build running next to the bench may replace the jars mid-run.
        Path hubCopy = Files.copy(hubJar, dir.resolve("codehub-hub.jar"), StandardCopyOption.REPLACE_EXISTING);
        Path agentCopy = Files.copy(agentJar, dir.resolve("codehub-agent.jar"), StandardCopyOption.REPLACE_EXISTING);
        List<Integer> tunnelPorts = new ArrayList<>();
        schemaCreated = true; // the first hub creates it; dropped on close whatever happens
        for (int i = 0; i < hubCount; i++) {
            String id = "hub-" + (char) ('a' + i % 26) + (i >= 26 ? Integer.toString(i / 26) : "");
            int apiPort = GatewayStack.freePort();
            int tunnelPort = GatewayStack.freePort();
            int gatewayPort = GatewayStack.freePort();
            int internalPort = GatewayStack.freePort();
            tunnelPorts.add(tunnelPort);
            Map<String, String> env = new LinkedHashMap<>();
            env.putAll(Bench.HUB_ENVIRONMENT);
            env.put("SERVER_PORT", Integer.toString(apiPort));
            env.put("SERVER_ADDRESS", "127.0.0.1");
            env.put("CODEHUB_HUB_DATA_DIR", dir.resolve(id + "-data").toString());
            env.put("CODEHUB_ADMIN_TOKEN", adminToken);
            env.put("CODEHUB_DATABASE_URL", database + "?schema=" + schema);
            env.put("CODEHUB_HUB_ID", id);
            env.put("CODEHUB_HUB_INTERNAL_URL", "http://127.0.0.1:" + internalPort);
            env.put("CODEHUB_HUB_INTERNAL_PORT", Integer.toString(internalPort));
            env.put("CODEHUB_HUB_TUNNEL_PORT", Integer.toString(tunnelPort));
            env.put("CODEHUB_HUB_TUNNEL_ADDRESS", "127.0.0.1");
            env.put("CODEHUB_HUB_GATEWAY_PORT", Integer.toString(gatewayPort));
            env.put("CODEHUB_HUB_GATEWAY_ADDRESS", "127.0.0.1");
            // Lease and health settings as the hub ships: failover is measured with the defaults.
            String javaOpts = System.getenv("CODEHUB_BENCH_HUB_JAVA_OPTS");
            Process process = java(id, javaOpts != null ? javaOpts : "-Xmx384m", hubCopy, env);
            HubAdmin admin = new HubAdmin(apiPort, adminToken);
            // A placeholder gateway target until the workspace exists (its Host names the workspace).
            hubs.add(new Hub(i, id, process, admin, new GatewayTarget("hub", gatewayPort, "localhost:" + gatewayPort, null)));
            if (i == 0) {
                // The first hub migrates the schema and stores the shared keys before the others start.
                until(id + " to be ready on 127.0.0.1:" + apiPort, HUB_READY, process, () -> admin.readiness() == 200);
            }
        }
        for (Hub hub : hubs) {
            until(hub.id() + " to be ready", HUB_READY, hub.process(), () -> hub.admin().readiness() == 200);
        }
        HubAdmin admin = hubs.get(0).admin();
        Path publicKey = Files.writeString(dir.resolve("hub-public.pem"),
                admin.get("/api/v1/hub").get("publicKeyPem").asString());
        TunnelForwarder tunnels = new TunnelForwarder(tunnelPorts);
        forwarder = tunnels;
        List<Process> agentProcesses = new ArrayList<>();
        for (int i = 0; i < tunnelCount; i++) {
            String name = "agent-" + (i + 1);
            JsonNode registered = admin.post("/api/v1/agents", Map.of("name", "bench-ha-" + (i + 1), "endpoint", "tunnel://",
                    "type", "docker", "capacity", 4), 201);
            String agentId = registered.get("agent").get("id").asString();
            agents.add(agentId);
            Map<String, String> env = new LinkedHashMap<>();
            env.put("CODEHUB_AGENT_ID", agentId);
            env.put("CODEHUB_AGENT_HUB_PUBLIC_KEY", publicKey.toString());
            env.put("CODEHUB_AGENT_LISTEN", "none");
            env.put("CODEHUB_AGENT_ARCHIVE_DIR", dir.resolve("archives-" + name).toString());
            env.put("CODEHUB_AGENT_HUB_URL", "tcp://127.0.0.1:" + tunnels.listen(i % hubCount));
            env.put("CODEHUB_AGENT_API_KEY", registered.get("apiKey").asString());
            String javaOpts = System.getenv("CODEHUB_BENCH_AGENT_JAVA_OPTS");
            agentProcesses.add(java(name, javaOpts != null ? javaOpts : "-Xmx128m", agentCopy, env));
        }
        for (int i = 0; i < tunnelCount; i++) {
            String agentId = agents.get(i);
            until("agent " + agentId + " to connect its tunnel", AGENT_ACTIVE, agentProcesses.get(i),
                    () -> connectedTo(admin, agentId) != null);
        }
        // Health checks of an agent still starting fail, and the hub marks it error until one passes: all
        // active at once, seen in one look.
        until("every agent to be active", AGENT_ACTIVE, hubs.get(0).process(), () -> {
            for (String agentId : agents) {
                if (connectedTo(admin, agentId) == null || !active(admin, agentId)) {
                    return false;
                }
            }
            return true;
        });

        String workspaceId = createWorkspace(admin, agents.get(0));
        until("workspace " + workspaceId + " to be RUNNING", WORKSPACE_RUNNING, hubs.get(0).process(),
                () -> running(admin, workspaceId));
        String token = admin.post("/api/v1/workspaces/" + workspaceId + "/access",
                Map.of("subject", "bench", "ttl", "6h"), 200).get("token").asString();
        for (int i = 0; i < hubs.size(); i++) {
            Hub hub = hubs.get(i);
            int port = hub.gateway().port();
            GatewayTarget target = new GatewayTarget(hub.id(), port, workspaceId + ".apps.localhost:" + port, token);
            hubs.set(i, new Hub(i, hub.id(), hub.process(), hub.admin(), target));
            until(target + " to answer GET /hello", APP_ANSWERS, hub.process(), () -> GatewayStack.probe(target) == 200);
        }
    }

    /**
     * Creates the workspace on {@code agentId}; while the hub answers that the agent cannot take it
     * (a health check that timed out on a loaded machine marks it error until the next passes), again.
     */
    private String createWorkspace(HubAdmin admin, String agentId) throws Exception {
        Map<String, Object> body = Map.of("name", "bench-ha", "image", GatewayStack.IMAGE, "imagePullPolicy", "Never",
                "agentId", agentId, "port", APP_PORT, "env", Map.of("SAMPLE_PORTS", Integer.toString(APP_PORT)));
        String[] id = new String[1];
        until("agent " + agentId + " to take the workspace", AGENT_ACTIVE, hubs.get(0).process(), () -> {
            try {
                id[0] = admin.post("/api/v1/workspaces", body, 201).get("id").asString();
                return true;
            } catch (IllegalStateException e) {
                if (e.getMessage() != null && e.getMessage().contains("no-eligible-agent")) {
                    throw new IOException(e.getMessage(), e);
                }
                throw e;
            }
        });
        workspace = id[0];
        return id[0];
    }

    /** The hubs, in start order. */
    List<Hub> hubs() {
        return List.copyOf(hubs);
    }

    /** The agents' ids; the first runs the workspace. */
    List<String> agents() {
        return List.copyOf(agents);
    }

    /** The id of the hub whose tunnel {@code agentId} is connected to, as {@code admin} sees it; null when not connected. */
    static @Nullable String connectedTo(HubAdmin admin, String agentId) throws IOException, InterruptedException {
        JsonNode connection = admin.get("/api/v1/agents/" + agentId).get("connection");
        if (connection == null || !"connected".equals(connection.path("state").asString(""))) {
            return null;
        }
        String hub = connection.path("hub").asString("");
        return hub.isEmpty() ? null : hub;
    }

    private static boolean active(HubAdmin admin, String agentId) throws IOException, InterruptedException {
        return "active".equals(admin.get("/api/v1/agents/" + agentId).get("status").asString());
    }

    private static boolean running(HubAdmin admin, String workspaceId) throws IOException, InterruptedException {
        JsonNode workspace = admin.get("/api/v1/workspaces/" + workspaceId);
        String state = workspace.get("state").asString();
        if (state.equals("ERROR")) {
            JsonNode reason = workspace.get("reason");
            throw new IllegalStateException("workspace " + workspaceId + " is in ERROR: "
                    + (reason == null ? "(no reason)" : reason.asString()));
        }
        return state.equals("RUNNING");
    }

    /** Keeps the processes' logs (in {@link #logs()}) after {@link #close()}. */
    void keepLogs() {
        keepLogs = true;
    }

    /** Where the hubs' and the agents' logs are written. */
    Path logs() {
        return dir;
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException | SecurityException e) {
            // already shutting down: this is the hook
        }
        String id = workspace;
        Hub live = hubs.stream().filter(h -> h.process().isAlive()).findFirst().orElse(null);
        if (id != null && live != null) {
            deleteWorkspace(live.admin(), id);
        }
        Waits.stop(processes);
        TunnelForwarder tunnels = forwarder;
        if (tunnels != null) {
            tunnels.close();
        }
        if (id != null) {
            // Whatever the API left (a hub that died first, a Ctrl-C mid-set-up): this workspace only.
            GatewayStack.docker("rm", "-f", "codehub-ws-" + id);
            GatewayStack.docker("volume", "rm", "-f", "codehub-ws-" + id);
        }
        if (schemaCreated && psql(database, "DROP SCHEMA IF EXISTS " + schema + " CASCADE") == null) {
            System.err.println("[bench] could not drop schema " + schema + " of " + database + ": drop it by hand");
        }
        if (keepLogs) {
            System.err.println("[bench] logs of the hubs and agents kept in " + dir);
        } else {
            GatewayStack.deleteRecursively(dir);
        }
    }

    private void deleteWorkspace(HubAdmin admin, String id) {
        long deadline = System.nanoTime() + WORKSPACE_DELETED.toNanos();
        try {
            admin.delete("/api/v1/workspaces/" + id);
            while (admin.status("/api/v1/workspaces/" + id) != 404 && System.nanoTime() < deadline) {
                Thread.sleep(250);
            }
        } catch (IOException | RuntimeException e) {
            System.err.println("[bench] deleting the workspace through the hub failed (" + e + "); removing it with docker");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private Process java(String name, String javaOpts, Path jar, Map<String, String> env) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        if (!javaOpts.isBlank()) {
            command.addAll(List.of(javaOpts.trim().split("\\s+")));
        }
        command.addAll(List.of("-jar", jar.toString()));
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(dir.resolve(name + ".log").toFile());
        builder.environment().keySet().removeIf(k -> k.startsWith("CODEHUB_"));
        builder.environment().putAll(env);
        Process process = builder.start();
        processes.add(process);
        return process;
    }

    /** {@code psql} on {@code database} with one statement (30 s at most): its unaligned output, or null when it failed. */
    static @Nullable String psql(String database, String statement) {
        try {
            Path output = Files.createTempFile("codehub-bench-psql", ".txt");
            try {
                Process process = new ProcessBuilder("psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", statement,
                        database).redirectErrorStream(true).redirectOutput(output.toFile()).start();
                if (!process.waitFor(30, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    return null;
                }
                return process.exitValue() == 0 ? Files.readString(output, StandardCharsets.UTF_8).trim() : null;
            } finally {
                Files.deleteIfExists(output);
            }
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** A condition checked every 250 ms; fails when {@code limit} passes or {@code process} exits first. */
    private void until(String what, Duration limit, Process process, Waits.Check check) throws Exception {
        Waits.until(what, limit, process, dir, check);
    }
}
