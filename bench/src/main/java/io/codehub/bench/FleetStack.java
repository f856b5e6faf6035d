package io.codehub.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import io.netty.handler.ssl.util.SelfSignedCertificate;
import org.jspecify.annotations.Nullable;

/**
 * What {@code bench fleet} measures, started for one run: the real hub
 * ({@code hub/target/codehub-hub.jar}) on a fresh schema of the machine's PostgreSQL with a TLS
 * tunnel port and every other setting as shipped, {@code N} agents registered through its API (each
 * with its own API key), and the {@link FleetSwarm} process that connects them all.
 *
 * <h2>Clean-up</h2>
 * {@link #close()} stops the processes and drops the schema; a shutdown hook does the same on
 * Ctrl-C. Every wait is bounded. Logs stay in a temporary directory, deleted unless
 * {@link #keepLogs()} was called (a failed run does, and so does {@code CODEHUB_BENCH_KEEP_LOGS=true}).
 *
 * <h2>Environment</h2>
 * {@code CODEHUB_BENCH_HUB_JAVA_OPTS} (default {@value #HUB_JAVA_OPTS}) and
 * {@code CODEHUB_BENCH_SWARM_JAVA_OPTS} (default {@value #SWARM_JAVA_OPTS}) are the JVM options of
 * the hub and the swarm; other {@code CODEHUB_*} variables reach the hub unchanged (e.g.
 * {@code CODEHUB_HUB_HEALTH_INTERVAL}).
 */
final class FleetStack implements AutoCloseable {

    static final String HUB_JAVA_OPTS = "-Xmx1g";
    static final String SWARM_JAVA_OPTS = "-Xmx3g";
    private static final Duration HUB_READY = Duration.ofSeconds(180);
    private static final int REGISTER_THREADS = 4;

    private final Path dir;
    private final String database;
    private final String schema;
    private final String adminToken;
    /** The hub laid out by bin/hub-layout: its jar, libraries, class data archive and {@code hub.args}. */
    private final Path hubApp;
    private final Map<String, String> hubEnv = new LinkedHashMap<>();
    private final List<Process> processes = new CopyOnWriteArrayList<>();
    private final List<String> agents = new ArrayList<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Thread hook;
    private final HubAdmin admin;
    private volatile boolean keepLogs;
    private volatile @Nullable Process hub;
    private volatile @Nullable Process swarm;
    private volatile @Nullable Writer swarmInput;
    private volatile Map<String, Long> swarmStatus = Map.of();
    private int hubStarts;

    private FleetStack(Path dir, String database, Path hubApp) throws IOException, GeneralSecurityException {
        this.dir = dir;
        this.database = database;
        this.hubApp = hubApp;
        byte[] random = new byte[6];
        new SecureRandom().nextBytes(random);
        this.schema = "bench_fleet_" + HexFormat.of().formatHex(random);
        byte[] secret = new byte[24];
        new SecureRandom().nextBytes(secret);
        this.adminToken = "bench-admin-" + HexFormat.of().formatHex(secret);
        int apiPort = GatewayStack.freePort();
        this.admin = new HubAdmin(apiPort, adminToken);
        this.hook = new Thread(this::close, "bench-fleet-cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
        SelfSignedCertificate certificate = SelfSignedCertificate.builder().fqdn("localhost").algorithm("EC").bits(256)
                .build();
        Path cert = Files.copy(certificate.certificate().toPath(), dir.resolve("tunnel.pem"));
        Path key = Files.copy(certificate.privateKey().toPath(), dir.resolve("tunnel-key.pem"));
        certificate.delete();
        System.getenv().forEach((name, value) -> {
            if (name.startsWith("CODEHUB_") && !name.startsWith("CODEHUB_BENCH_")) {
                hubEnv.put(name, value);
            }
        });
        hubEnv.putAll(Bench.HUB_ENVIRONMENT);
        hubEnv.put("SERVER_PORT", Integer.toString(apiPort));
        hubEnv.put("SERVER_ADDRESS", "127.0.0.1");
        hubEnv.put("CODEHUB_HUB_DATA_DIR", dir.resolve("hub-data").toString());
        hubEnv.put("CODEHUB_ADMIN_TOKEN", adminToken);
        hubEnv.put("CODEHUB_DATABASE_URL", database + "?schema=" + schema);
        hubEnv.put("CODEHUB_HUB_TUNNEL_PORT", Integer.toString(GatewayStack.freePort()));
        hubEnv.put("CODEHUB_HUB_TUNNEL_ADDRESS", "127.0.0.1");
        hubEnv.put("CODEHUB_HUB_TUNNEL_TLS_CERT", cert.toString());
        hubEnv.put("CODEHUB_HUB_TUNNEL_TLS_KEY", key.toString());
        hubEnv.put("CODEHUB_HUB_GATEWAY_PORT", Integer.toString(GatewayStack.freePort()));
        hubEnv.put("CODEHUB_HUB_GATEWAY_ADDRESS", "127.0.0.1");
        // Every simulated agent dials from 127.0.0.1, where a real fleet comes from as many addresses: the
        // per-address cap on connections in or waiting for their handshake (128, against one abusive
        // address) would close most of the swarm's at accept, so it is raised above any fleet this harness
        // runs. The cap of all addresses together is set to 512, as docs/operations.md advises for a fleet
        // this size on two cores; the rest wait for a slot in the hub's queue.
        hubEnv.putIfAbsent("CODEHUB_HUB_TUNNEL_MAX_HANDSHAKES", "512");
        hubEnv.putIfAbsent("CODEHUB_HUB_TUNNEL_MAX_HANDSHAKES_PER_ADDRESS", "100000");
    }

    /** Starts the hub on a new schema of {@code database}; everything started is cleaned up on failure. */
    static FleetStack start(Path root, String database) throws Exception {
        Path hubJar = root.resolve("hub/target/codehub-hub.jar");
        for (Path jar : List.of(hubJar, root.resolve("agent/target/codehub-agent.jar"),
                root.resolve("bench/target/codehub-bench.jar"))) {
            if (!Files.isRegularFile(jar)) {
                throw new IllegalStateException(jar + " is missing: build it with mvn -B -o -q -pl hub,agent,bench -am "
                        + "-DskipTests package (bin/codehub bench fleet does)");
            }
        }
        HaStack.checkPostgres(database);
        Path dir = Files.createTempDirectory("codehub-bench-fleet");
        Path hubCopy = Files.copy(hubJar, dir.resolve("codehub-hub.jar"), StandardCopyOption.REPLACE_EXISTING);
        // Started as bin/codehub starts it: from its extracted layout with a class data archive.
        Path hubApp = dir.resolve("hub-app");
        ProcessBuilder layout = new ProcessBuilder(root.resolve("bin/hub-layout").toString(), hubCopy.toString(),
                hubApp.toString()).redirectErrorStream(true).redirectOutput(dir.resolve("hub-layout.log").toFile());
        layout.environment().put("JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString());
        Process laying = layout.start();
        if (!laying.waitFor(3, TimeUnit.MINUTES) || laying.exitValue() != 0) {
            laying.destroyForcibly();
            throw new IllegalStateException("bin/hub-layout failed; see " + dir.resolve("hub-layout.log"));
        }
        FleetStack stack = new FleetStack(dir, database, hubApp);
        if ("true".equals(System.getenv("CODEHUB_BENCH_KEEP_LOGS"))) {
            stack.keepLogs();
        }
        try {
            stack.startHub();
            return stack;
        } catch (Exception | Error e) {
            stack.keepLogs();
            stack.close();
            throw e;
        }
    }

    /** Starts a hub process (again, after {@link #killHub()}: same data directory, key and database) and waits until ready. */
    void startHub() throws Exception {
        hubStarts++;
        String javaOpts = System.getenv("CODEHUB_BENCH_HUB_JAVA_OPTS");
        Process process = java("hub-" + hubStarts, javaOpts != null ? javaOpts : HUB_JAVA_OPTS,
                List.of("@" + hubApp.resolve("hub.args")), hubEnv);
        hub = process;
        until("the hub to be ready", HUB_READY, process, () -> admin.readiness() == 200);
    }

    /** Kills the hub with SIGKILL and waits until it is gone. */
    void killHub() throws InterruptedException {
        Process process = hub();
        process.destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the hub (pid " + process.pid() + ") did not die within 30 s of SIGKILL");
        }
    }

    /** Registers {@code count} tunnel agents through the API, a few at a time; their ids and keys go to {@code agents.txt}. */
    Path register(int count) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(REGISTER_THREADS);
        try {
            List<Future<String>> registered = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                String name = "fleet-" + (i + 1);
                registered.add(pool.submit(() -> {
                    var answer = admin.post("/api/v1/agents", Map.of("name", name, "endpoint", "tunnel://",
                            "type", "docker", "capacity", 8), 201);
                    return answer.get("agent").get("id").asString() + " " + answer.get("apiKey").asString();
                }));
            }
            List<String> lines = new ArrayList<>();
            for (Future<String> future : registered) {
                String line = future.get(10, TimeUnit.MINUTES);
                lines.add(line);
                agents.add(line.substring(0, line.indexOf(' ')));
            }
            return Files.write(dir.resolve("agents.txt"), lines, StandardCharsets.UTF_8);
        } finally {
            pool.shutdownNow();
        }
    }

    /** Starts the swarm of the registered agents from the jars under {@code root}, {@code rate} connectors a second. */
    void startSwarm(Path root, Path agentsFile, int rate) throws Exception {
        Path hubKey = Files.writeString(dir.resolve("hub-public.pem"), admin.get("/api/v1/hub").get("publicKeyPem").asString());
        Path agentCopy = Files.copy(root.resolve("agent/target/codehub-agent.jar"), dir.resolve("codehub-agent.jar"),
                StandardCopyOption.REPLACE_EXISTING);
        Path benchCopy = Files.copy(root.resolve("bench/target/codehub-bench.jar"), dir.resolve("codehub-bench.jar"),
                StandardCopyOption.REPLACE_EXISTING);
        String javaOpts = System.getenv("CODEHUB_BENCH_SWARM_JAVA_OPTS");
        List<String> command = new ArrayList<>(List.of("-cp", agentCopy.toString(), "-Dloader.path=" + benchCopy,
                "-Dloader.main=" + FleetSwarm.class.getName(), "org.springframework.boot.loader.launch.PropertiesLauncher",
                "--port", hubEnv.get("CODEHUB_HUB_TUNNEL_PORT"), "--agents", agentsFile.toString(),
                "--hub-key", hubKey.toString(), "--rate", Integer.toString(rate)));
        // CODEHUB_BENCH_SWARM_NICE lowers the swarm's priority: the simulated agents stand for thousands of
        // other machines, whose CPU (TLS clients, reconnect attempts against a dead hub) slows the hub's
        // start here as no real fleet would; but a starved swarm answers health checks late as no real
        // agent would either (docs/benchmarks.md has runs of both). By default both share the cores.
        Process process = java(null, javaOpts != null ? javaOpts : SWARM_JAVA_OPTS, command, Map.of(), swarmNice());
        swarm = process;
        swarmInput = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        Path log = dir.resolve("swarm.log");
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
                    OutputStream out = Files.newOutputStream(log)) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    if (line.startsWith("swarm ")) {
                        Map<String, Long> status = new LinkedHashMap<>();
                        for (String field : line.substring(6).split(" ")) {
                            int eq = field.indexOf('=');
                            status.put(field.substring(0, eq), Long.parseLong(field.substring(eq + 1)));
                        }
                        swarmStatus = status;
                    } else {
                        out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
                    }
                }
            } catch (IOException | RuntimeException e) {
                System.err.println("[bench] reading the swarm's output: " + e);
            }
        }, "fleet-swarm-output");
        reader.setDaemon(true);
        reader.start();
    }

    /** The swarm's last status line: connected, failed, health, calls, refused, starts, instances, covered. */
    long swarm(String key) {
        Process process = swarm;
        if (process != null && !process.isAlive()) {
            throw new IllegalStateException("the swarm exited with " + process.exitValue() + "; see " + dir.resolve("swarm.log"));
        }
        return swarmStatus.getOrDefault(key, -1L);
    }

    /** Tells the swarm to count health calls anew ({@code covered}) from now. */
    void mark() throws IOException {
        Writer input = swarmInput;
        if (input != null) {
            input.write("mark\n");
            input.flush();
        }
    }

    HubAdmin admin() {
        return admin;
    }

    Process hub() {
        Process process = hub;
        if (process == null) {
            throw new IllegalStateException("no hub started");
        }
        return process;
    }

    List<String> agents() {
        return List.copyOf(agents);
    }

    /** One value from the run's schema (table names unqualified), or fails. */
    long sql(String query) {
        String answer = HaStack.psql(database, "SET search_path TO " + schema + "; " + query);
        if (answer == null) {
            throw new IllegalStateException("psql failed on " + database + ": " + query);
        }
        String[] lines = answer.trim().split("\n");
        return Long.parseLong(lines[lines.length - 1].trim());
    }

    /** {@code query}'s whole answer on the database (not only the schema), or null when it failed. */
    @Nullable String psql(String query) {
        return HaStack.psql(database, query);
    }

    /** Lines of the hub's logs (every start) at ERROR level. */
    long hubLogErrors() throws IOException {
        long errors = 0;
        for (int i = 1; i <= hubStarts; i++) {
            Path log = dir.resolve("hub-" + i + ".log");
            if (Files.exists(log)) {
                try (var lines = Files.lines(log, StandardCharsets.UTF_8)) {
                    errors += lines.filter(l -> l.contains(" ERROR ")).count();
                }
            }
        }
        return errors;
    }

    void keepLogs() {
        keepLogs = true;
    }

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
        Waits.stop(processes);
        if (HaStack.psql(database, "DROP SCHEMA IF EXISTS " + schema + " CASCADE") == null) {
            System.err.println("[bench] could not drop schema " + schema + " of " + database + ": drop it by hand");
        }
        if (keepLogs) {
            System.err.println("[bench] logs of the hub and the swarm kept in " + dir);
        } else {
            GatewayStack.deleteRecursively(dir);
        }
    }

    /** A JVM with {@code args}; its output goes to {@code <name>.log}, or stays readable when {@code name} is null. */
    private Process java(@Nullable String name, String javaOpts, List<String> args, Map<String, String> env)
            throws IOException {
        return java(name, javaOpts, args, env, 0);
    }

    /** {@code CODEHUB_BENCH_SWARM_NICE}: 0 (as this process) when unset, else a niceness from 0 to 19. */
    private static int swarmNice() {
        String value = System.getenv("CODEHUB_BENCH_SWARM_NICE");
        if (value == null || value.isBlank()) {
            return 0;
        }
        try {
            int nice = Integer.parseInt(value.trim());
            if (nice >= 0 && nice <= 19) {
                return nice;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw new IllegalArgumentException("CODEHUB_BENCH_SWARM_NICE '" + value + "' (expected: a niceness from 0 to 19, "
                + "or unset for the same priority as the hub)");
    }

    /** {@link #java(String, String, List, Map)} at {@code nice} (0: as this process). */
    private Process java(@Nullable String name, String javaOpts, List<String> args, Map<String, String> env, int nice)
            throws IOException {
        List<String> command = new ArrayList<>();
        if (nice != 0) {
            command.addAll(List.of("nice", "-n", Integer.toString(nice)));
        }
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        if (!javaOpts.isBlank()) {
            command.addAll(List.of(javaOpts.trim().split("\\s+")));
        }
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
        if (name != null) {
            builder.redirectOutput(dir.resolve(name + ".log").toFile());
        }
        builder.environment().keySet().removeIf(k -> k.startsWith("CODEHUB_"));
        builder.environment().putAll(env);
        Process process = builder.start();
        processes.add(process);
        return process;
    }

    /** A condition checked every 250 ms; fails when {@code limit} passes or {@code process} exits first. */
    void until(String what, Duration limit, Process process, Waits.Check check) throws Exception {
        Waits.until(what, limit, process, dir, check);
    }
}
