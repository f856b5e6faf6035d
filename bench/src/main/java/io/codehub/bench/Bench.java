package io.codehub.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.codehub.tunnel.NettyDefaults;

/**
 * {@code bin/codehub bench <scenario> [--count N]}: runs a hub process and a swarm of simulated
 * agents and prints what it measured.
 *
 * <ul>
 *   <li>{@code idle-tunnels}: hub memory (heap + direct, after GC) per idle TLS tunnel. Target: at
 *       most 16 KB per tunnel at 10,000 tunnels.</li>
 *   <li>{@code restart}: kill the hub with every agent connected, start a new one on the same port,
 *       and time until every agent has a session again. Target: 10,000 agents back within 30 s.</li>
 *   <li>{@code gateway}: the workspace gateway against the app it fronts, with the real hub and
 *       agents ({@link GatewayReport}).</li>
 *   <li>{@code ha}: many hubs on one PostgreSQL: the gateway locally and forwarded over the
 *       hub-to-hub relay, and the failover when a hub dies ({@link HaReport}).</li>
 *   <li>{@code fleet}: one real hub on PostgreSQL with thousands of agents, health checks and
 *       workspaces ({@link FleetReport}).</li>
 * </ul>
 * Every wait is bounded; both child processes are killed on every path.
 */
public final class Bench {

    private static final Duration CONNECT_ALL = Duration.ofSeconds(300);

    /**
     * The environment the hub ships with (bin/codehub, the hub image), given to every hub a bench
     * starts: two malloc arenas, as on the hub's event loops each thread's own arena kept the native
     * TLS state of its connections and the space they freed (docs/operations.md, "Memory").
     */
    static final Map<String, String> HUB_ENVIRONMENT = Map.of("MALLOC_ARENA_MAX", "2");

    private Bench() {
    }

    public static void main(String[] args) throws Exception {
        NettyDefaults.apply(); // as the hub and the agent start
        String scenario = args.length > 0 ? args[0] : "";
        int count = Integer.parseInt(Args.value(args, "--count", "10000"));
        int port = Integer.parseInt(Args.value(args, "--port", "17443"));
        switch (scenario) {
            case "tunnel" -> TunnelReport.run(args, port);
            case "idle-tunnels" -> idleTunnels(count, port);
            case "restart" -> restart(count, port, Integer.parseInt(Args.value(args, "--restarts", "1")));
            case "bulk" -> bulk(Long.parseLong(Args.value(args, "--bulk-mb", "1024")) * 1_000_000L);
            case "gateway" -> GatewayReport.run(args);
            case "ha" -> HaReport.run(args);
            case "fleet" -> FleetReport.run(args);
            case "half-open" -> HalfOpenBench.report(args);
            default -> {
                System.err.println("usage: bench tunnel [--tunnels N] [--seconds S] [--json FILE]"
                        + " | idle-tunnels [--count N] | restart [--count N] [--restarts N] | bulk [--bulk-mb M]   (all take --port P)"
                        + " | gateway [--seconds S] [--bulk-mb M] [--rounds R] [--runs N] [--json FILE]"
                        + " | ha [--hubs N] [--tunnels N] [--seconds S] [--runs N] [--json FILE] [--database URL]"
                        + " | fleet [--agents N] [--workspaces N] [--minutes M] [--runs N] [--json FILE] [--database URL]"
                        + " | half-open [--runs N] [--json FILE]");
                System.exit(2);
            }
        }
    }

    /** Bulk streams alone: raw TCP, tunnel plain and TLS, and beside a stalled sibling, in one process. */
    static void bulk(long bytes) throws Exception {
        System.out.println(BulkBench.stack());
        BulkBench.Result r = BulkBench.run(bytes);
        System.out.printf("bulk MB/s: tcp %.0f, tunnel %.0f (%.2fx), tunnel+TLS %.0f; beside a stalled stream %.2f of alone%n",
                r.tcpMbps(), r.tunnelMbps(), r.tunnelMbps() / r.tcpMbps(), r.tunnelTlsMbps(), r.stalledSiblingRatio());
    }

    /**
     * What one idle tunnel costs the hub.
     *
     * @param heapAndDirect    heap + direct bytes after GC per tunnel (the target's measure)
     * @param resident         process RSS growth per tunnel, from the hub's idle start (its young
     *                         generation already resident) to all tunnels
     * @param residentMarginal process RSS growth per tunnel of the second half, connected to a hub that
     *                         already holds the first: what one more tunnel costs once the memory a
     *                         connect storm touches whatever the count (the young generation, malloc
     *                         arenas) is resident. The hub makes its young generation resident before
     *                         the first half ({@link BenchHub#touchYoungGeneration}), so that neither
     *                         half is charged a survivor space it happens to touch first.
     */
    record IdleCost(double heapAndDirect, double resident, double residentMarginal) {
    }

    /** Hub bytes per idle TLS tunnel at {@code count} tunnels, connected in two halves. */
    static IdleCost idleTunnels(int count, int port) throws Exception {
        int half = count / 2;
        try (Child hub = Child.start("hub", BenchHub.class, BenchHub.args(port))) {
            hub.await("ready", Duration.ofSeconds(60));
            System.out.println("idle-tunnels: hub " + hub.touchYoung());
            long[] before = hub.measure();
            try (Child first = Child.start("swarm", BenchSwarm.class, "--port", Integer.toString(port),
                    "--count", Integer.toString(half))) {
                long tookFirst = hub.awaitCount("sessions", half, CONNECT_ALL);
                Thread.sleep(5_000); // let handshakes' transient buffers go
                long[] middle = hub.measure();
                try (Child second = Child.start("swarm", BenchSwarm.class, "--port", Integer.toString(port),
                        "--count", Integer.toString(count - half), "--first", Integer.toString(half))) {
                    long tookSecond = hub.awaitCount("sessions", count, CONNECT_ALL);
                    Thread.sleep(5_000);
                    long[] after = hub.measure();
                    double perTunnel = ((after[0] - before[0]) + (after[1] - before[1])) / (double) count;
                    double marginal = (after[2] - middle[2]) / (double) (count - half);
                    System.out.printf(Locale.ROOT, "%nidle-tunnels: %d TLS tunnels connected in two halves, %.1f s and %.1f s%n",
                            count, tookFirst / 1000.0, tookSecond / 1000.0);
                    System.out.printf(Locale.ROOT, "  hub heap   %,12d -> %,12d -> %,12d bytes%n", before[0], middle[0], after[0]);
                    System.out.printf(Locale.ROOT, "  hub direct %,12d -> %,12d -> %,12d bytes%n", before[1], middle[1], after[1]);
                    System.out.printf(Locale.ROOT, "  hub RSS    %,12d -> %,12d -> %,12d bytes%n", before[2], middle[2], after[2]);
                    System.out.printf(Locale.ROOT, "  per tunnel %.1f KB (heap %.1f KB + direct %.1f KB); target <= 16 KB%n",
                            perTunnel / 1024, (after[0] - before[0]) / 1024.0 / count, (after[1] - before[1]) / 1024.0 / count);
                    System.out.printf(Locale.ROOT, "  process RSS growth per tunnel %.1f KB from the idle hub (includes the "
                            + "malloc arenas a connect storm makes resident, whatever the count); %.1f KB "
                            + "each in the second half%n", (after[2] - before[2]) / 1024.0 / count, marginal / 1024);
                    return new IdleCost(perTunnel, (after[2] - before[2]) / (double) count, marginal);
                }
            }
        }
    }

    /**
     * Seconds from the old hub's death until all {@code count} agents have a session with the new
     * one. Prints a line a second from the death on: sessions on the new hub, the swarm's failed
     * connects in that second, and the cores each process used.
     */
    static double restart(int count, int port) throws Exception {
        return restart(count, port, 1);
    }

    /**
     * Connects {@code count} agents, then kills the hub and starts a new one {@code restarts} times
     * in a row, each time until every agent is back; prints each restart and answers the seconds of
     * the last. The first restart finds the swarm's JVM as young as its connect left it (its
     * reconnect path still interpreted or in C1 code, its compilers busy); a later one finds it as
     * warm as the long-running agents it stands for. The new hub is a new JVM every time.
     */
    static double restart(int count, int port, int restarts) throws Exception {
        if (restarts < 1) {
            throw new IllegalArgumentException("--restarts " + restarts + " (expected: 1 or more)");
        }
        String portArg = Integer.toString(port);
        Child[] hub = {Child.start("hub", BenchHub.class, BenchHub.args(port))};
        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "bench-restart-timeline");
            t.setDaemon(true);
            return t;
        });
        try (Child swarm = Child.start("swarm", BenchSwarm.class, "--port", portArg, "--count", Integer.toString(count))) {
            hub[0].await("ready", Duration.ofSeconds(60));
            long took = hub[0].awaitCount("sessions", count, CONNECT_ALL);
            System.out.printf(Locale.ROOT, "%nrestart: %d agents connected in %.1f s%n", count, took / 1000.0);
            double seconds = 0;
            for (int i = 1; i <= restarts; i++) {
                System.out.printf(Locale.ROOT, "%nrestart %d of %d: killing the hub%n", i, restarts);
                seconds = restartOnce(hub, swarm, count, port, ticker);
            }
            return seconds;
        } finally {
            ticker.shutdownNow();
            hub[0].close();
        }
    }

    /** Kills {@code hub[0]}, starts its successor in its place and answers the seconds until all {@code count} are back. */
    private static double restartOnce(Child[] hub, Child swarm, int count, int port, ScheduledExecutorService ticker)
            throws Exception {
        hub[0].close();
        swarm.awaitCount("connected", 0, CONNECT_ALL, true);
        long killed = System.nanoTime();
        Child newHub = Child.start("hub", BenchHub.class, BenchHub.args(port));
        hub[0] = newHub;
        Map<String, List<Long>> processes = new LinkedHashMap<>();
        processes.put("hub", List.of(newHub.pid()));
        processes.put("swarm", List.of(swarm.pid()));
        CpuMeter both = new CpuMeter(processes);
        CpuMeter.Snapshot[] last = {both.snapshot()};
        long[] lastFailed = {swarm.counter("failed")};
        ScheduledFuture<?> timeline = ticker.scheduleAtFixedRate(() -> {
            CpuMeter.Snapshot now = both.snapshot();
            long failed = swarm.counter("failed");
            System.out.printf(Locale.ROOT, "    %5.1f s: %5d sessions, %5d failed connects; cores %s%n",
                    (System.nanoTime() - killed) / 1e9, Math.max(0, newHub.counter("sessions")),
                    failed - lastFailed[0], CpuMeter.between(last[0], now));
            last[0] = now;
            lastFailed[0] = failed;
        }, 1, 1, TimeUnit.SECONDS);
        try {
            String ready = newHub.await("ready", Duration.ofSeconds(60));
            long listening = System.nanoTime();
            CpuMeter.Snapshot hubStarted = both.snapshot();
            newHub.awaitCount("sessions", count, Duration.ofSeconds(120));
            long back = System.nanoTime();
            timeline.cancel(false);
            System.out.printf(Locale.ROOT, "  new hub listening %.1f s after the old one died (%s; JVM uptime ms)%n",
                    (listening - killed) / 1e9, ready);
            System.out.printf(Locale.ROOT, "  all %d agents back %.1f s after the old hub died (%.1f s after the new one listened); "
                    + "target <= 30 s%n", count, (back - killed) / 1e9, (back - listening) / 1e9);
            System.out.printf(Locale.ROOT, "  new hub CPU: %.1f s until listening%n", hubStarted.ticks().get("hub") / 100.0);
            return (back - killed) / 1e9;
        } finally {
            timeline.cancel(false);
        }
    }

    /** A child JVM whose stdout lines arrive on a queue; destroyed (with its tree) on close. */
    static final class Child implements AutoCloseable {
        private final String name;
        private final Process process;
        private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        private final AtomicLong latest = new AtomicLong(-1);
        private final Map<String, Long> counters = new ConcurrentHashMap<>();
        private final Writer stdin;

        private Child(String name, Process process) {
            this.name = name;
            this.process = process;
            this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
            Thread reader = new Thread(() -> {
                try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    for (String line = out.readLine(); line != null; line = out.readLine()) {
                        int space = line.indexOf(' ');
                        if (space > 0 && (line.startsWith("sessions ") || line.startsWith("connected "))) {
                            latest.set(Long.parseLong(line.substring(space + 1).trim()));
                            counters.put(line.substring(0, space), latest.get());
                        } else if (line.startsWith("failed ")) {
                            counters.put("failed", Long.parseLong(line.substring(space + 1).trim()));
                        } else {
                            lines.add(line);
                        }
                    }
                } catch (IOException ignored) {
                    // the child ended
                }
            }, "bench-" + name);
            reader.setDaemon(true);
            reader.start();
        }

        static Child start(String name, Class<?> main, String... args) throws IOException {
            ProcessBuilder builder = new ProcessBuilder(javaCommand(main, args)).redirectError(ProcessBuilder.Redirect.INHERIT);
            if (main == BenchHub.class) {
                builder.environment().putAll(HUB_ENVIRONMENT);
            }
            return new Child(name, builder.start());
        }

        /** The command that runs {@code main} in a child JVM with this one's runtime, class path and tunnel settings. */
        static List<String> javaCommand(Class<?> main, String... args) {
            List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
            String options = System.getenv(main == BenchHub.class ? "CODEHUB_BENCH_HUB_JAVA_OPTS" : "CODEHUB_BENCH_SWARM_JAVA_OPTS");
            if (options != null && !options.isBlank()) {
                command.addAll(List.of(options.trim().split("\\s+")));
            } else {
                command.addAll(List.of("-Xss256k", "-XX:+UseSerialGC"));
            }
            // Settings such as -Dio.netty.handler.ssl.noOpenSsl=true (JDK TLS) reach the children too.
            System.getProperties().stringPropertyNames().stream()
                    .filter(k -> k.startsWith("io.netty.") || k.startsWith("codehub.tunnel."))
                    .sorted().forEach(k -> command.add("-D" + k + "=" + System.getProperty(k)));
            command.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
            command.addAll(List.of(args));
            return command;
        }

        /** Waits for a line starting with {@code prefix} and returns it. */
        String await(String prefix, Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline) {
                String line = lines.poll(100, TimeUnit.MILLISECONDS);
                if (line != null && line.startsWith(prefix)) {
                    return line;
                }
                if (!process.isAlive()) {
                    throw new IllegalStateException(name + " exited with " + process.exitValue());
                }
            }
            throw new IllegalStateException(name + ": no '" + prefix + "' within " + timeout);
        }

        /** The last value the child reported for {@code name} ({@code sessions}, {@code connected}, {@code failed}); -1 before any. */
        long counter(String name) {
            return counters.getOrDefault(name, -1L);
        }

        long pid() {
            return process.pid();
        }

        long awaitCount(String what, long target, Duration timeout) throws InterruptedException {
            return awaitCount(what, target, timeout, false);
        }

        /**
         * Waits until the reported count reaches (or, with {@code down}, falls to) {@code target}; returns
         * millis.
         */
        long awaitCount(String what, long target, Duration timeout, boolean down) throws InterruptedException {
            long start = System.nanoTime();
            long deadline = start + timeout.toNanos();
            while (System.nanoTime() < deadline) {
                long now = latest.get();
                if (down ? now >= 0 && now <= target : now >= target) {
                    return (System.nanoTime() - start) / 1_000_000;
                }
                if (!process.isAlive()) {
                    throw new IllegalStateException(name + " exited with " + process.exitValue());
                }
                Thread.sleep(50);
            }
            throw new IllegalStateException(name + ": " + what + " stayed at " + latest.get() + " (target " + target
                    + ") for " + timeout);
        }

        /** {heap, direct, resident} bytes in use in the child after GC. */
        long[] measure() throws IOException, InterruptedException {
            String[] parts = ask("measure", "memory ").split(" ");
            return new long[] {Long.parseLong(parts[1].substring(5)), Long.parseLong(parts[2].substring(7)),
                Long.parseLong(parts[3].substring(4))};
        }

        /** Has a {@link BenchHub} make its young generation resident ({@link BenchHub#touchYoungGeneration}); answers its line. */
        String touchYoung() throws IOException, InterruptedException {
            return ask("touch-young", "young ");
        }

        /** Writes {@code command} to the child's stdin and waits up to a minute for its line starting with {@code answer}. */
        private String ask(String command, String answer) throws IOException, InterruptedException {
            stdin.write(command + "\n");
            stdin.flush();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (System.nanoTime() < deadline) {
                String line = lines.poll(100, TimeUnit.MILLISECONDS);
                if (line != null && line.startsWith(answer)) {
                    return line;
                }
            }
            throw new IllegalStateException(name + " did not answer " + command);
        }

        @Override
        public void close() {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
