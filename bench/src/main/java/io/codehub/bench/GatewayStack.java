package io.codehub.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/**
 * What {@code bench gateway} measures, started for one run: the real hub
 * ({@code hub/target/codehub-hub.jar}: a temporary data directory, embedded H2, its tunnel port and
 * gateway on free 127.0.0.1 ports) and two real agents ({@code agent/target/codehub-agent.jar}) on
 * the local Docker engine, one direct and one tunnel-only, each running one workspace of the sample
 * app ({@code codehub/sample-workspace:local}); then the three {@link GatewayTarget}s to it.
 *
 * <h2>Clean-up</h2>
 * {@link #close()} deletes the workspaces through the API, stops the processes and removes the
 * containers and volumes of exactly the workspaces this stack created; a shutdown hook does the
 * same on Ctrl-C. Every wait is bounded. The processes' logs stay in a temporary directory, which
 * is deleted unless {@link #keepLogs()} was called (a failed run does, and so does
 * {@code CODEHUB_BENCH_KEEP_LOGS=true}).
 *
 * <h2>Environment</h2>
 * {@code CODEHUB_BENCH_HUB_JAVA_OPTS} and {@code CODEHUB_BENCH_AGENT_JAVA_OPTS} (default
 * {@code -Xmx512m}) are the JVM options of the hub and of the agents (a flight recording of the hub,
 * say); other variables reach them unchanged, except {@code CODEHUB_*}, which the stack sets itself.
 */
final class GatewayStack implements AutoCloseable {

    static final String IMAGE = "codehub/sample-workspace:local";
    private static final int APP_PORT = 8080;
    private static final Duration HUB_READY = Duration.ofSeconds(120);
    private static final Duration AGENT_ACTIVE = Duration.ofSeconds(120);
    private static final Duration WORKSPACE_RUNNING = Duration.ofSeconds(180);
    private static final Duration APP_ANSWERS = Duration.ofSeconds(60);
    private static final Duration WORKSPACE_DELETED = Duration.ofSeconds(60);

    private final Path dir;
    private final String adminToken;
    private final List<Process> processes = new CopyOnWriteArrayList<>();
    private final List<String> workspaces = new CopyOnWriteArrayList<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Thread hook;
    private volatile boolean keepLogs;
    private @Nullable HubAdmin api;
    private @Nullable Process hub;
    private int gatewayPort;
    private final Map<String, GatewayTarget> targets = new LinkedHashMap<>();
    private final Map<String, List<Long>> groups = new LinkedHashMap<>();

    private GatewayStack(Path dir) {
        this.dir = dir;
        byte[] secret = new byte[24];
        new SecureRandom().nextBytes(secret);
        this.adminToken = "bench-admin-" + HexFormat.of().formatHex(secret);
        this.hook = new Thread(this::close, "bench-gateway-cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** Starts hub, agents and workspaces from the jars under {@code root}; everything started is cleaned up on failure. */
    static GatewayStack start(Path root, boolean ssh) throws Exception {
        Path hubJar = root.resolve("hub/target/codehub-hub.jar");
        Path agentJar = root.resolve("agent/target/codehub-agent.jar");
        for (Path jar : List.of(hubJar, agentJar)) {
            if (!Files.isRegularFile(jar)) {
                throw new IllegalStateException(jar + " is missing: build it with mvn -B -o -q -pl hub,agent -am -DskipTests "
                        + "package (bin/codehub bench gateway does)");
            }
        }
        if (docker("image", "inspect", "--format", "{{.Id}}", IMAGE) == null) {
            throw new IllegalStateException(IMAGE + " is not in the local Docker engine: build it with "
                    + "deploy/test-images/build (bin/codehub bench gateway does)");
        }
        GatewayStack stack = new GatewayStack(Files.createTempDirectory("codehub-bench-gateway"));
        if ("true".equals(System.getenv("CODEHUB_BENCH_KEEP_LOGS"))) {
            stack.keepLogs();
        }
        try {
            stack.setUp(hubJar, agentJar);
            if (ssh) {
                stack.addSshPath();
            }
            return stack;
        } catch (Exception | Error e) {
            stack.keepLogs();
            stack.close();
            throw e;
        }
    }

    private void setUp(Path hubJar, Path agentJar) throws Exception {
        // Private copies: a build running next to the bench may replace the jars mid-run.
        Path hubCopy = Files.copy(hubJar, dir.resolve("codehub-hub.jar"), StandardCopyOption.REPLACE_EXISTING);
        Path agentCopy = Files.copy(agentJar, dir.resolve("codehub-agent.jar"), StandardCopyOption.REPLACE_EXISTING);
        int apiPort = freePort();
        int tunnelPort = freePort();
        gatewayPort = freePort();
        Map<String, String> hubEnv = new LinkedHashMap<>();
        hubEnv.putAll(Bench.HUB_ENVIRONMENT);
        hubEnv.put("SERVER_PORT", Integer.toString(apiPort));
        hubEnv.put("SERVER_ADDRESS", "127.0.0.1");
        hubEnv.put("CODEHUB_HUB_DATA_DIR", dir.resolve("hub-data").toString());
        hubEnv.put("CODEHUB_ADMIN_TOKEN", adminToken);
        hubEnv.put("CODEHUB_HUB_TUNNEL_PORT", Integer.toString(tunnelPort));
        hubEnv.put("CODEHUB_HUB_TUNNEL_ADDRESS", "127.0.0.1");
        hubEnv.put("CODEHUB_HUB_GATEWAY_PORT", Integer.toString(gatewayPort));
        hubEnv.put("CODEHUB_HUB_GATEWAY_ADDRESS", "127.0.0.1");
        // Everything else as the hub ships (reconciler and health intervals included): the background work
        // of a real hub is part of what is measured.
        Process hubProcess = java("hub", System.getenv("CODEHUB_BENCH_HUB_JAVA_OPTS"), hubCopy, hubEnv);
        hub = hubProcess;
        HubAdmin admin = new HubAdmin(apiPort, adminToken);
        api = admin;
        until("the hub to be ready on 127.0.0.1:" + apiPort, HUB_READY, hubProcess, () -> admin.readiness() == 200);

        Path publicKey = Files.writeString(dir.resolve("hub-public.pem"),
                admin.get("/api/v1/hub").get("publicKeyPem").asString());
        int directPort = freePort();
        String directId = register(admin, "bench-direct", "http://127.0.0.1:" + directPort).get("agent").get("id").asString();
        Process direct = java("agent-direct", agentJavaOpts(), agentCopy, agentEnv(directId, publicKey,
                "127.0.0.1:" + directPort, "direct"));
        JsonNode tunnelled = register(admin, "bench-tunnel", "tunnel://");
        String tunnelId = tunnelled.get("agent").get("id").asString();
        Map<String, String> tunnelEnv = agentEnv(tunnelId, publicKey, "none", "tunnel");
        tunnelEnv.put("CODEHUB_AGENT_HUB_URL", "tcp://127.0.0.1:" + tunnelPort);
        tunnelEnv.put("CODEHUB_AGENT_API_KEY", tunnelled.get("apiKey").asString());
        Process tunnel = java("agent-tunnel", agentJavaOpts(), agentCopy, tunnelEnv);
        // Ready first (an agent's JVM takes a while): health checks of an agent still starting fail,
        // and the hub marks it error until the next one passes.
        HubAdmin directProbe = new HubAdmin(directPort, adminToken);
        until("the direct agent to be ready on 127.0.0.1:" + directPort, AGENT_ACTIVE, direct,
                () -> directProbe.readiness() == 200);
        until("the tunnel agent to connect its tunnel", AGENT_ACTIVE, tunnel, () -> connected(admin, tunnelId));
        until("the direct agent to be active", AGENT_ACTIVE, direct, () -> active(admin, directId));
        until("the tunnel agent to be active", AGENT_ACTIVE, tunnel, () -> active(admin, tunnelId));

        String directWorkspace = create(admin, "bench-direct", directId);
        String tunnelWorkspace = create(admin, "bench-tunnel", tunnelId);
        for (String id : List.of(directWorkspace, tunnelWorkspace)) {
            until("workspace " + id + " to be RUNNING", WORKSPACE_RUNNING, hubProcess, () -> running(admin, id));
        }
        int upstreamPort = publishedPort(directWorkspace);
        targets.put("upstream", new GatewayTarget("upstream", upstreamPort, "127.0.0.1:" + upstreamPort, null));
        targets.put("direct", new GatewayTarget("direct", gatewayPort, directWorkspace + ".apps.localhost:" + gatewayPort,
                token(admin, directWorkspace)));
        targets.put("tunnel", new GatewayTarget("tunnel", gatewayPort, tunnelWorkspace + ".apps.localhost:" + gatewayPort,
                token(admin, tunnelWorkspace)));
        for (GatewayTarget target : targets.values()) {
            until(target + " to answer GET /hello", APP_ANSWERS, hubProcess, () -> probe(target) == 200);
        }
        groups.put("client", List.of(ProcessHandle.current().pid()));
        groups.put("hub", List.of(hubProcess.pid()));
        groups.put("direct-agent", List.of(direct.pid()));
        groups.put("tunnel-agent", List.of(tunnel.pid()));
        List<Integer> ports = List.of(upstreamPort, publishedPort(tunnelWorkspace));
        groups.put("docker-proxy", ProcessHandle.allProcesses()
                .filter(p -> executable(p).equals("docker-proxy"))
                .filter(p -> ports.stream().anyMatch(port -> List.of(p.info().arguments().orElse(new String[0]))
                        .contains(Integer.toString(port))))
                .map(ProcessHandle::pid).toList());
        List<Long> apps = new ArrayList<>();
        List<Long> engine = new ArrayList<>();
        for (String id : List.of(directWorkspace, tunnelWorkspace)) {
            String pid = docker("inspect", "--format", "{{.State.Pid}}", "codehub-ws-" + id);
            if (pid != null && pid.matches("[1-9][0-9]*")) {
                ProcessHandle.of(Long.parseLong(pid)).ifPresent(p -> {
                    apps.add(p.pid());
                    p.descendants().forEach(d -> apps.add(d.pid()));
                    // The container's shim carries its stdout (the app logs every request) to the engine.
                    p.parent().ifPresent(shim -> engine.add(shim.pid()));
                });
            }
        }
        groups.put("apps", apps);
        ProcessHandle.allProcesses().filter(p -> List.of("dockerd", "containerd").contains(executable(p)))
                .forEach(p -> engine.add(p.pid()));
        groups.put("docker", engine);
    }

    /**
     * Adds the {@code ssh} path: {@code ssh -R} from this host's sshd to the app the
     * {@code upstream} path reaches (see {@link SshReverseTunnel}), and its processes as the
     * {@code ssh} group.
     */
    private void addSshPath() throws Exception {
        GatewayTarget upstream = target("upstream");
        SshReverseTunnel ssh = SshReverseTunnel.start(dir, freePort(), freePort(), upstream.port(), processes::add);
        GatewayTarget target = new GatewayTarget("ssh", ssh.port(), upstream.host(), null);
        until("ssh -R to answer GET /hello on 127.0.0.1:" + ssh.port(), APP_ANSWERS, ssh.ssh(), () -> probe(target) == 200);
        targets.put("ssh", target);
        groups.put("ssh", ssh.pids());
    }

    /** The file name of a process's executable; empty when it cannot be seen. */
    private static String executable(ProcessHandle process) {
        String command = process.info().command().orElse("");
        return command.substring(command.lastIndexOf('/') + 1);
    }

    /** The 127.0.0.1 port the workspace's app port is published on. */
    private static int publishedPort(String workspaceId) {
        String published = docker("port", "codehub-ws-" + workspaceId, APP_PORT + "/tcp");
        int port = published == null ? -1 : published.lines().filter(l -> l.startsWith("127.0.0.1:"))
                .mapToInt(l -> Integer.parseInt(l.substring(l.lastIndexOf(':') + 1))).findFirst().orElse(-1);
        if (port < 0) {
            throw new IllegalStateException("workspace " + workspaceId + " publishes its port " + APP_PORT
                    + " on no 127.0.0.1 port (docker port said: " + published + ")");
        }
        return port;
    }

    /**
     * The processes on the paths, for a {@link CpuMeter}: {@code client} (this JVM), {@code hub},
     * {@code direct-agent}, {@code tunnel-agent}, {@code docker-proxy} (the Docker engine's
     * userland proxy of the two published ports, when it runs one), {@code apps} (the two
     * workspace containers' processes) and {@code docker} (the engine, containerd and the two
     * containers' shims, which carry the apps' request logs).
     */
    Map<String, List<Long>> processGroups() {
        return new LinkedHashMap<>(groups);
    }

    /** The paths in the order they are measured: upstream, direct, tunnel (and ssh with {@code --ssh}). */
    List<GatewayTarget> targets() {
        return List.copyOf(targets.values());
    }

    GatewayTarget target(String name) {
        GatewayTarget target = targets.get(name);
        if (target == null) {
            throw new IllegalArgumentException("no target " + name + " (expected one of " + targets.keySet() + ")");
        }
        return target;
    }

    /** The hub's process id (the JVM itself, no wrapper). */
    long hubPid() {
        Process p = hub;
        if (p == null || !p.isAlive()) {
            throw new IllegalStateException("the hub is not running; see " + dir.resolve("hub.log"));
        }
        return p.pid();
    }

    /** Keeps the processes' logs (in {@link #logs()}) after {@link #close()}. */
    void keepLogs() {
        keepLogs = true;
    }

    /** Where the hub's and the agents' logs are written. */
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
        HubAdmin admin = api;
        Process hubProcess = hub;
        if (admin != null && hubProcess != null && hubProcess.isAlive()) {
            deleteWorkspaces(admin);
        }
        Waits.stop(processes);
        for (String id : workspaces) {
            // Whatever the API left (a hub that died first, a Ctrl-C mid-set-up): these workspaces only.
            docker("rm", "-f", "codehub-ws-" + id);
            docker("volume", "rm", "-f", "codehub-ws-" + id);
        }
        if (keepLogs) {
            System.err.println("[bench] logs of the hub and agents kept in " + dir);
        } else {
            deleteRecursively(dir);
        }
    }

    private void deleteWorkspaces(HubAdmin admin) {
        long deadline = System.nanoTime() + WORKSPACE_DELETED.toNanos();
        try {
            for (String id : workspaces) {
                admin.delete("/api/v1/workspaces/" + id);
            }
            for (String id : workspaces) {
                while (admin.status("/api/v1/workspaces/" + id) != 404 && System.nanoTime() < deadline) {
                    Thread.sleep(250);
                }
            }
        } catch (IOException | RuntimeException e) {
            System.err.println("[bench] deleting workspaces through the hub failed (" + e + "); removing them with docker");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private Process java(String name, @Nullable String javaOpts, Path jar, Map<String, String> env) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        if (javaOpts != null && !javaOpts.isBlank()) {
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

    private static String agentJavaOpts() {
        String opts = System.getenv("CODEHUB_BENCH_AGENT_JAVA_OPTS");
        return opts != null ? opts : "-Xmx512m";
    }

    private Map<String, String> agentEnv(String agentId, Path publicKey, String listen, String name) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("CODEHUB_AGENT_ID", agentId);
        env.put("CODEHUB_AGENT_HUB_PUBLIC_KEY", publicKey.toString());
        env.put("CODEHUB_AGENT_LISTEN", listen);
        env.put("CODEHUB_AGENT_ARCHIVE_DIR", dir.resolve("archives-" + name).toString());
        return env;
    }

    private static JsonNode register(HubAdmin admin, String name, String endpoint) throws IOException, InterruptedException {
        return admin.post("/api/v1/agents", Map.of("name", name, "endpoint", endpoint, "type", "docker", "capacity", 4), 201);
    }

    private String create(HubAdmin admin, String name, String agentId) throws IOException, InterruptedException {
        JsonNode workspace = admin.post("/api/v1/workspaces", Map.of("name", name, "image", IMAGE,
                "imagePullPolicy", "Never", "agentId", agentId, "port", APP_PORT,
                "env", Map.of("SAMPLE_PORTS", Integer.toString(APP_PORT))), 201);
        String id = workspace.get("id").asString();
        workspaces.add(id);
        return id;
    }

    private static String token(HubAdmin admin, String workspaceId) throws IOException, InterruptedException {
        String token = admin.post("/api/v1/workspaces/" + workspaceId + "/access",
                Map.of("subject", "bench", "ttl", "6h"), 200).get("token").asString();
        if (!token.startsWith("chs1.")) {
            throw new IllegalStateException("the access token of workspace " + workspaceId + " does not start with chs1.");
        }
        return token;
    }

    private static boolean active(HubAdmin admin, String agentId) throws IOException, InterruptedException {
        return "active".equals(admin.get("/api/v1/agents/" + agentId).get("status").asString());
    }

    private static boolean connected(HubAdmin admin, String agentId) throws IOException, InterruptedException {
        JsonNode connection = admin.get("/api/v1/agents/" + agentId).get("connection");
        return connection != null && "connected".equals(connection.get("state").asString());
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

    /** The status of one {@code GET /hello} on a new connection, or -1 when there was no answer. */
    static int probe(GatewayTarget target) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), target.port()), 2_000);
            socket.setSoTimeout(5_000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET /hello HTTP/1.1\r\nHost: " + target.host() + "\r\n"
                    + (target.bearer() != null ? "Authorization: Bearer " + target.bearer() + "\r\n" : "")
                    + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            byte[] head = in.readNBytes(12); // "HTTP/1.1 200"
            String line = new String(head, StandardCharsets.US_ASCII);
            return line.startsWith("HTTP/1.1 ") && line.length() == 12 ? Integer.parseInt(line.substring(9, 12)) : -1;
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }

    /** A condition checked every 250 ms; fails when {@code limit} passes or {@code process} exits first. */
    private void until(String what, Duration limit, Process process, Waits.Check check) throws Exception {
        Waits.until(what, limit, process, dir, check);
    }

    /** Runs {@code docker args...} (60 s at most); its output, or null when it failed. */
    static @Nullable String docker(String... args) {
        List<String> command = new ArrayList<>();
        command.add("docker");
        command.addAll(List.of(args));
        try {
            Path output = Files.createTempFile("codehub-bench-docker", ".txt");
            try {
                Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile())
                        .start();
                if (!process.waitFor(60, TimeUnit.SECONDS)) {
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

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    static void deleteRecursively(Path root) {
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            System.err.println("[bench] could not delete " + root + ": " + e);
        }
    }
}
