package io.codehub.bench;

import static io.codehub.bench.RunResults.format;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * {@code bench fleet [--agents 10000] [--workspaces 1000] [--minutes 2] [--runs 1] [--json FILE]
 * [--rate 2000] [--database URL]}: one real hub on PostgreSQL with a fleet of agents
 * ({@link FleetStack}, {@link FleetSwarm}), health checks and the reconciler running, in one run
 * per {@code --runs}, each on a fresh stack:
 * <ol>
 *   <li>every agent is registered through the API and the swarm starts: the time until the
 *       database has every agent connected and {@code active} ({@code fleet_connect_seconds});</li>
 *   <li>the workspaces are created through the API and placed by the hub; the time until every
 *       one is {@code RUNNING};</li>
 *   <li>a steady window of {@code --minutes}: the hub's CPU (median of 5 s samples), the database's
 *       transactions per second and most client connections, the health rounds (the time from a
 *       mark until every agent has answered a health check after it, over and over), and the
 *       latency of the API under a light load (20 {@code GET /api/v1/agents/{id}} a second and a
 *       workspace stop or start every second); then the hub's memory per agent (heap after a full
 *       GC, and RSS, against the hub with no agent);</li>
 *   <li>the hub is killed (SIGKILL) and started again on the same data: the time until every agent
 *       is connected to the new process and every workspace {@code RUNNING}, and how many instance
 *       starts the agents saw meanwhile (none is due: a repeated step).</li>
 * </ol>
 * The hub's log is searched for ERROR lines at the end.
 */
final class FleetReport {

    private static final Duration CONNECT_LIMIT = Duration.ofMinutes(15);
    private static final Duration RUNNING_LIMIT = Duration.ofMinutes(10);
    private static final Duration RESTART_LIMIT = Duration.ofMinutes(5);
    private static final Duration SAMPLE = Duration.ofSeconds(5);
    private static final long POLL_MILLIS = 250;
    private static final int API_THREADS = 4;

    /** A target of the issue: a key, what it is, the bound (at most). */
    private record Target(String key, String what, double bound) {
        boolean met(double value) {
            return value <= bound;
        }
    }

    private FleetReport() {
    }

    static void run(String[] args) throws Exception {
        int agents = (int) Args.positive(args, "--agents", "10000");
        int workspaces = Integer.parseInt(Args.value(args, "--workspaces", "1000"));
        if (workspaces < 0 || workspaces > agents * 8) {
            throw new IllegalArgumentException("--workspaces " + workspaces + " (expected: 0.." + agents * 8
                    + ", eight per agent at most)");
        }
        double minutes = Double.parseDouble(Args.value(args, "--minutes", "2"));
        if (!(minutes > 0 && minutes <= 120)) {
            throw new IllegalArgumentException("--minutes " + minutes + " (expected: above 0, at most 120)");
        }
        int runs = (int) Args.positive(args, "--runs", "1");
        int rate = (int) Args.positive(args, "--rate", "2000");
        String json = Args.value(args, "--json", "");
        String database = Args.value(args, "--database", HaStack.DEFAULT_DATABASE);
        Path root = Path.of(System.getProperty("codehub.root", ".")).toAbsolutePath().normalize();
        Duration interval = healthInterval();
        List<Target> targets = List.of(
                new Target("fleet_connect_seconds", "every agent connected and active, from cold (s)", 60),
                new Target("fleet_health_sweep_max_seconds", "a health round over every agent, longest (s)",
                        interval.toMillis() / 1000.0),
                new Target("fleet_hub_cpu_percent", "hub CPU while steady, median (% of one core)", 25),
                new Target("fleet_api_p99_ms", "API p99 while steady (ms)", 50),
                new Target("fleet_restart_seconds", "after kill -9: every agent back, every workspace RUNNING (s)", 30),
                new Target("fleet_restart_repeated_steps", "instance starts repeated across the restart", 0),
                new Target("fleet_hub_log_errors", "ERROR lines in the hub's log", 0));

        List<Map<String, Double>> results = new ArrayList<>();
        for (int run = 1; run <= runs; run++) {
            System.out.printf(Locale.ROOT, "%n[bench] fleet run %d of %d: a hub on PostgreSQL, %,d agents, %,d workspaces, "
                    + "%.1f steady minutes%n", run, runs, agents, workspaces, minutes);
            Map<String, Double> result = once(root, database, agents, workspaces, minutes, rate);
            results.add(result);
            table(String.format(Locale.ROOT, "run %d of %d", run, runs), result, targets);
        }
        if (runs > 1) {
            summary(results, targets);
        }
        if (!json.isEmpty()) {
            Files.writeString(Path.of(json), RunResults.json(results));
            System.out.println("wrote " + json);
        }
    }

    /** The hub's health interval as the bench starts it: {@code CODEHUB_HUB_HEALTH_INTERVAL} or the default. */
    private static Duration healthInterval() {
        String value = System.getenv("CODEHUB_HUB_HEALTH_INTERVAL");
        if (value == null || value.isBlank()) {
            return Duration.ofSeconds(30);
        }
        String v = value.trim().toLowerCase(Locale.ROOT);
        if (v.endsWith("ms")) {
            return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
        }
        if (v.endsWith("s")) {
            return Duration.ofSeconds(Long.parseLong(v.substring(0, v.length() - 1)));
        }
        if (v.endsWith("m")) {
            return Duration.ofMinutes(Long.parseLong(v.substring(0, v.length() - 1)));
        }
        return Duration.ofMillis(Long.parseLong(v));
    }

    private static Map<String, Double> once(Path root, String database, int agentCount, int workspaceCount, double minutes,
            int rate) throws Exception {
        Map<String, Double> r = new LinkedHashMap<>();
        FleetStack stack = FleetStack.start(root, database);
        boolean failed = true;
        try {
            long hubPid = stack.hub().pid();
            ProcessMemory.Sample empty = ProcessMemory.afterGc(hubPid);
            System.out.println("[bench] hub pid " + hubPid + ", logs in " + stack.logs() + "; registering " + agentCount
                    + " agents");

            long start = System.nanoTime();
            Path agentsFile = stack.register(agentCount);
            r.put("fleet_register_seconds", seconds(start));
            System.out.printf(Locale.ROOT, "[bench] registered in %.1f s; starting the swarm%n", r.get("fleet_register_seconds"));

            long swarmStarted = System.nanoTime();
            long overflows = ListenOverflows.read();
            stack.startSwarm(root, agentsFile, rate);
            String connected = "SELECT count(*) FROM agents WHERE status = 'active' AND last_connected_at IS NOT NULL";
            stack.until("every agent connected and active", CONNECT_LIMIT, stack.hub(), () -> {
                long n = stack.sql(connected);
                progress("connected and active", n, agentCount, swarmStarted, stack);
                return n == agentCount;
            });
            r.put("fleet_connect_seconds", seconds(swarmStarted));
            r.put("fleet_connect_failures", (double) stack.swarm("failed"));
            r.put("fleet_connect_listen_overflows", ListenOverflows.since(overflows));
            System.out.printf(Locale.ROOT, "%n[bench] every agent active in %.1f s (%d connect failures on the way)%n",
                    r.get("fleet_connect_seconds"), stack.swarm("failed"));

            List<String> workspaces = createWorkspaces(stack, workspaceCount);
            long started = System.nanoTime();
            String running = "SELECT count(*) FROM workspaces WHERE observed_state = 'RUNNING'";
            stack.until("every workspace RUNNING", RUNNING_LIMIT, stack.hub(), () -> {
                long n = stack.sql(running);
                progress("workspaces RUNNING", n, workspaceCount, started, stack);
                return n == workspaceCount;
            });
            r.put("fleet_workspaces_running_seconds", seconds(started));
            System.out.printf(Locale.ROOT, "%n[bench] every workspace RUNNING %.1f s after the last was created%n",
                    r.get("fleet_workspaces_running_seconds"));

            steady(stack, hubPid, agentCount, workspaces, minutes, r);
            ProcessMemory.Sample full = ProcessMemory.afterGc(hubPid);
            r.put("fleet_hub_heap_bytes", (double) (full.heapBytes() - empty.heapBytes()) / agentCount);
            r.put("fleet_hub_rss_bytes", (double) (full.residentBytes() - empty.residentBytes()) / agentCount);

            restart(stack, agentCount, workspaceCount, r);
            r.put("fleet_hub_log_errors", (double) stack.hubLogErrors());
            failed = false;
            return r;
        } finally {
            if (failed) {
                stack.keepLogs();
            }
            stack.close();
        }
    }

    private static List<String> createWorkspaces(FleetStack stack, int count) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(API_THREADS);
        try {
            List<Future<String>> created = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                String name = "fleet-ws-" + (i + 1);
                created.add(pool.submit(() -> stack.admin().post("/api/v1/workspaces", Map.of("name", name,
                        "image", "codehub/bench-memory:1", "imagePullPolicy", "Never"), 201).get("id").asString()));
            }
            List<String> ids = new ArrayList<>();
            for (Future<String> future : created) {
                ids.add(future.get(5, TimeUnit.MINUTES));
            }
            return ids;
        } finally {
            pool.shutdownNow();
        }
    }

    /** The steady window: CPU, database, health rounds and API latency. */
    private static void steady(FleetStack stack, long hubPid, int agentCount, List<String> workspaces, double minutes,
            Map<String, Double> r) throws Exception {
        long window = (long) (minutes * 60_000_000_000L);
        List<Double> cpu = new ArrayList<>();
        List<Double> sweeps = new ArrayList<>();
        List<Long> getNanos = new CopyOnWriteArrayList<>();
        List<Long> startNanos = new CopyOnWriteArrayList<>();
        List<Long> allNanos = new CopyOnWriteArrayList<>();
        long[] db0 = database(stack);
        long connectionsMax = 0;
        List<String> agents = stack.agents();
        ExecutorService load = Executors.newFixedThreadPool(2);
        long begin = System.nanoTime();
        long end = begin + window;
        Future<?> gets = load.submit(() -> {
            try {
                while (System.nanoTime() < end) {
                    String id = agents.get(ThreadLocalRandom.current().nextInt(agents.size()));
                    long t = System.nanoTime();
                    stack.admin().get("/api/v1/agents/" + id);
                    long took = System.nanoTime() - t;
                    getNanos.add(took);
                    allNanos.add(took);
                    Thread.sleep(50);
                }
            } catch (Exception e) {
                throw new IllegalStateException("GET /api/v1/agents/{id} failed while steady: " + e, e);
            }
            return null;
        });
        Future<?> starts = load.submit(() -> {
            try {
                int i = 0;
                List<String> stopped = new ArrayList<>();
                while (System.nanoTime() < end && !workspaces.isEmpty()) {
                    // stop one, then start the one stopped before: a start every two seconds
                    String stop = workspaces.get(i++ % workspaces.size());
                    stack.admin().post("/api/v1/workspaces/" + stop + "/stop", Map.of(), 202);
                    stopped.add(stop);
                    Thread.sleep(1_000);
                    if (stopped.size() > 1) {
                        String again = stopped.remove(0);
                        long t = System.nanoTime();
                        stack.admin().post("/api/v1/workspaces/" + again + "/start", Map.of(), 202);
                        long took = System.nanoTime() - t;
                        startNanos.add(took);
                        allNanos.add(took);
                    }
                    Thread.sleep(1_000);
                }
                for (String again : stopped) {
                    stack.admin().post("/api/v1/workspaces/" + again + "/start", Map.of(), 202);
                }
            } catch (Exception e) {
                throw new IllegalStateException("a workspace stop or start failed while steady: " + e, e);
            }
            return null;
        });
        stack.mark();
        long marked = System.nanoTime();
        long[] ticks = hubTicks(hubPid);
        long sampled = System.nanoTime();
        double pendingSweep = Double.NaN;
        while (System.nanoTime() < end) {
            Thread.sleep(POLL_MILLIS);
            long now = System.nanoTime();
            long round = stack.swarm("round_ms");
            if (stack.swarm("covered") >= agentCount && round >= 0 && now - marked > 1_500_000_000L) {
                // the swarm's own clock: from the mark to the first check since of the last agent checked
                sweeps.add(round / 1e3);
                System.out.printf(Locale.ROOT, "[bench] health round: every agent checked within %.2f s of the mark%n",
                        round / 1e3);
                stack.mark();
                marked = System.nanoTime();
            }
            pendingSweep = (now - marked) / 1e9;
            if (now - sampled >= SAMPLE.toNanos()) {
                long[] t = hubTicks(hubPid);
                cpu.add(100.0 * (t[0] - ticks[0]) * 10_000_000L / (now - sampled)); // 100 ticks a second
                ticks = t;
                sampled = now;
                connectionsMax = Math.max(connectionsMax, connections(stack));
            }
        }
        gets.get(30, TimeUnit.SECONDS);
        starts.get(60, TimeUnit.SECONDS);
        load.shutdownNow();
        long[] db1 = database(stack);
        double elapsed = (System.nanoTime() - begin) / 1e9;
        if (sweeps.isEmpty() || pendingSweep > sweeps.stream().mapToDouble(d -> d).max().orElse(0)) {
            sweeps.add(pendingSweep); // a round not finished when the window closed: at least this long
        }
        r.put("fleet_hub_cpu_percent", median(cpu));
        r.put("fleet_hub_cpu_percent_max", cpu.stream().mapToDouble(d -> d).max().orElse(Double.NaN));
        r.put("fleet_health_sweep_p50_seconds", median(sweeps));
        r.put("fleet_health_sweep_max_seconds", sweeps.stream().mapToDouble(d -> d).max().orElse(Double.NaN));
        r.put("fleet_db_connections_max", (double) connectionsMax);
        r.put("fleet_db_transactions_per_s", (db1[0] - db0[0]) / elapsed);
        r.put("fleet_db_rows_written_per_s", (db1[1] - db0[1]) / elapsed);
        r.put("fleet_api_p50_ms", percentile(allNanos, 0.50) / 1e6);
        r.put("fleet_api_p99_ms", percentile(allNanos, 0.99) / 1e6);
        r.put("fleet_api_get_p99_ms", percentile(getNanos, 0.99) / 1e6);
        r.put("fleet_api_start_p99_ms", percentile(startNanos, 0.99) / 1e6);
        r.put("fleet_api_calls", (double) allNanos.size());
    }

    /** Kill -9 and start again: until every agent is back and every workspace RUNNING; starts the agents saw. */
    private static void restart(FleetStack stack, int agentCount, int workspaceCount, Map<String, Double> r)
            throws Exception {
        String settled = "SELECT count(*) FROM workspaces WHERE observed_state = 'RUNNING' AND desired_state = 'RUNNING'";
        stack.until("every workspace RUNNING before the restart", RUNNING_LIMIT, stack.hub(),
                () -> stack.sql(settled) == workspaceCount);
        Thread.sleep(2_000); // the swarm reports once a second: let its count catch up with the last start
        long startsBefore = stack.swarm("starts");
        long killedAt = stack.sql("SELECT (extract(epoch FROM now()) * 1000)::bigint");
        long start = System.nanoTime();
        long overflows = ListenOverflows.read();
        stack.killHub();
        System.out.println("[bench] hub killed; starting it again");
        stack.startHub();
        r.put("fleet_restart_hub_ready_seconds", seconds(start));
        String back = "SELECT count(*) FROM agents WHERE status = 'active' AND last_connected_at > to_timestamp("
                + killedAt + " / 1000.0)";
        stack.until("every agent back after the restart", RESTART_LIMIT, stack.hub(), () -> {
            long n = stack.sql(back);
            progress("back", n, agentCount, start, stack);
            return n == agentCount && stack.sql(settled) == workspaceCount;
        });
        r.put("fleet_restart_seconds", seconds(start));
        r.put("fleet_restart_listen_overflows", ListenOverflows.since(overflows));
        System.out.printf(Locale.ROOT, "%n[bench] every agent back and every workspace RUNNING %.1f s after the kill%n",
                r.get("fleet_restart_seconds"));
        // the agents' runtimes count every start they are asked for: any after the kill was a repeated step
        Thread.sleep(2 * POLL_MILLIS);
        r.put("fleet_restart_repeated_steps", (double) (stack.swarm("starts") - startsBefore));
    }

    private static void progress(String what, long n, long of, long since, FleetStack stack) {
        System.out.printf(Locale.ROOT, "\r[bench] %,d of %,d %s after %.1f s (swarm: %,d tunnels up, %,d connect failures)   ",
                n, of, what, seconds(since), stack.swarm("connected"), stack.swarm("failed"));
    }

    /** The database's transactions and rows written so far (pg_stat_database). */
    private static long[] database(FleetStack stack) {
        String answer = stack.psql("SELECT xact_commit + xact_rollback, tup_inserted + tup_updated + tup_deleted "
                + "FROM pg_stat_database WHERE datname = current_database()");
        if (answer == null) {
            return new long[] {0, 0};
        }
        String[] fields = answer.trim().split("\\|");
        return new long[] {Long.parseLong(fields[0].trim()), Long.parseLong(fields[1].trim())};
    }

    /** Client connections to the database other than psql's. */
    private static long connections(FleetStack stack) {
        String answer = stack.psql("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                + "AND backend_type = 'client backend' AND application_name <> 'psql'");
        return answer == null ? -1 : Long.parseLong(answer.trim());
    }

    /** The hub's user + system CPU ticks so far. */
    private static long[] hubTicks(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"), StandardCharsets.US_ASCII);
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return new long[] {Long.parseLong(fields[11]) + Long.parseLong(fields[12])};
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }

    private static double median(List<Double> values) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        double[] sorted = values.stream().mapToDouble(d -> d).sorted().toArray();
        return sorted[sorted.length / 2];
    }

    private static double percentile(List<Long> values, double p) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        long[] sorted = values.stream().mapToLong(l -> l).toArray();
        Arrays.sort(sorted);
        return sorted[(int) Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
    }

    private static void table(String title, Map<String, Double> r, List<Target> targets) {
        System.out.println("\n" + title);
        r.forEach((k, v) -> System.out.printf(Locale.ROOT, "  %-36s %s%n", k, format(v)));
        for (Target t : targets) {
            double v = r.getOrDefault(t.key(), Double.NaN);
            System.out.printf(Locale.ROOT, "  %-60s %10s  target <= %s  %s%n", t.what(), format(v), format(t.bound()),
                    t.met(v) ? "met" : "MISSED");
        }
    }

    private static void summary(List<Map<String, Double>> results, List<Target> targets) {
        System.out.println("\nsummary over " + results.size() + " runs (min / median / max)");
        for (String key : results.get(0).keySet()) {
            double[] values = RunResults.values(results, key);
            System.out.printf(Locale.ROOT, "  %-36s %s / %s / %s%n", key, format(values[0]),
                    format(values[values.length / 2]), format(values[values.length - 1]));
        }
        for (Target t : targets) {
            long met = results.stream().filter(res -> t.met(res.getOrDefault(t.key(), Double.NaN))).count();
            System.out.printf(Locale.ROOT, "  %-60s met in %d of %d runs%n", t.what(), met, results.size());
        }
    }
}
