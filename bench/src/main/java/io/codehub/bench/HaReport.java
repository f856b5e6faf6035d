package io.codehub.bench;

import static io.codehub.bench.RunResults.format;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.codehub.tunnel.TunnelTransport;
import io.netty.channel.EventLoopGroup;

/**
 * {@code bench ha [--hubs 3] [--tunnels 6] [--seconds 10] [--runs 1] [--json FILE]
 * [--database URL]}: many hubs on one PostgreSQL ({@link HaStack}), in one run per
 * {@code --runs}, each on a fresh stack. The sample app's {@code GET /hello} through the gateway of
 * the hub holding its agent's tunnel ({@code local}) and through another hub's, which forwards
 * over the hub-to-hub relay ({@code forward}): sequential latency and requests/s on
 * {@value #CONNECTIONS} keep-alive connections. Then the hub holding the most tunnels is killed
 * (SIGKILL) and the time until every agent is connected to a surviving hub (the agents API of a
 * survivor) and the app answers through every survivor's gateway is the failover time.
 *
 * <p>The load client is this process, on the same cores as the hubs, agents and app. One run
 * writes its keys to the JSON file; several write each key's median, and every run's keys under
 * {@code "runs"}.
 */
final class HaReport {

    private static final int CLIENT_THREADS = 2;
    /** Connections of the throughput measure. */
    static final int CONNECTIONS = 16;
    private static final int WARMUP_REQUESTS = 3_000;
    private static final int MAX_SAMPLES = 200_000;
    private static final Duration LOAD_WARMUP = Duration.ofSeconds(1);
    /** Full load on each path before anything is measured (at most {@code --seconds}). */
    private static final Duration PATH_WARMUP = Duration.ofSeconds(10);
    /** How long the failover is waited for before the run records it as not done. */
    private static final Duration FAILOVER_LIMIT = Duration.ofSeconds(60);
    private static final long POLL_MILLIS = 100;

    /** A target of the issue: a key, what it is, the bound (at most). */
    private record Target(String key, String what, double bound) {
        boolean met(double value) {
            return value <= bound;
        }
    }

    private static final List<Target> TARGETS = List.of(
            new Target("ha_forward_added_p50_us", "GET p50 added by forwarding (us)", 300),
            new Target("ha_failover_seconds", "failover: every agent reachable (s)", 10));
    /** The bound for the failover, beyond its target. */
    private static final double FAILOVER_BOUND_SECONDS = 20;

    private HaReport() {
    }

    static void run(String[] args) throws Exception {
        int hubs = (int) Args.positive(args, "--hubs", "3");
        int tunnels = (int) Args.positive(args, "--tunnels", "6");
        Duration seconds = Duration.ofSeconds(Args.positive(args, "--seconds", "10"));
        int runs = (int) Args.positive(args, "--runs", "1");
        String json = Args.value(args, "--json", "");
        String database = Args.value(args, "--database", HaStack.DEFAULT_DATABASE);
        Path root = Path.of(System.getProperty("codehub.root", ".")).toAbsolutePath().normalize();

        List<Map<String, Double>> results = new ArrayList<>();
        EventLoopGroup group = TunnelTransport.newEventLoopGroup(CLIENT_THREADS);
        try {
            for (int run = 1; run <= runs; run++) {
                System.out.printf(Locale.ROOT, "%n[bench] ha run %d of %d: starting %d hubs on PostgreSQL, %d tunnel agents "
                        + "and a workspace%n", run, runs, hubs, tunnels);
                Map<String, Double> result = once(root, database, group, hubs, tunnels, seconds);
                results.add(result);
                table(String.format(Locale.ROOT, "run %d of %d", run, runs), result, hubs, tunnels, seconds);
            }
        } finally {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(10_000);
        }
        if (runs > 1) {
            summary(results);
        }
        if (!json.isEmpty()) {
            Files.writeString(Path.of(json), RunResults.json(results));
            System.out.println("wrote " + json);
        }
    }

    /** One run on a fresh stack: every key. */
    private static Map<String, Double> once(Path root, String database, EventLoopGroup group, int hubCount,
            int tunnelCount, Duration seconds) throws Exception {
        HttpLoad http = new HttpLoad(group);
        Map<String, Double> r = new LinkedHashMap<>();
        HaStack stack = HaStack.start(root, database, hubCount, tunnelCount);
        boolean failed = true;
        try {
            List<HaStack.Hub> hubs = stack.hubs();
            String workspaceAgent = stack.agents().get(0);
            String holder = HaStack.connectedTo(hubs.get(0).admin(), workspaceAgent);
            HaStack.Hub local = hubs.stream().filter(h -> h.id().equals(holder)).findFirst()
                    .orElseThrow(() -> new IllegalStateException("the workspace's agent is held by " + holder
                            + ", none of " + hubs));
            HaStack.Hub forward = hubs.get((local.index() + 1) % hubs.size());
            System.out.println("[bench] hubs: " + hubs);
            System.out.println("[bench] local: " + local.gateway() + "; forward: " + forward.gateway() + "; logs in "
                    + stack.logs());
            // Both paths at full load first: the code on either path (gateway, relay both ends, tunnel, agent)
            // compiled before either is measured, so that the first measured is not the slower for being first.
            Duration warmup = seconds.compareTo(PATH_WARMUP) < 0 ? seconds : PATH_WARMUP;
            for (HaStack.Hub hub : List.of(local, forward)) {
                http.requestsPerSecond(hub.gateway(), CONNECTIONS, Duration.ZERO, warmup);
            }
            for (String path : List.of("local", "forward")) {
                GatewayTarget target = path.equals("local") ? local.gateway() : forward.gateway();
                HttpLoad.Latency latency = http.latency(target, WARMUP_REQUESTS, MAX_SAMPLES, seconds);
                r.put("ha_" + path + "_p50_us", latency.p50Micros());
                r.put("ha_" + path + "_p99_us", latency.p99Micros());
                System.out.printf(Locale.ROOT, "  %-32s %-8s p50 %.0f us, p99 %.0f us (%d samples)%n",
                        "sequential GET /hello", path, latency.p50Micros(), latency.p99Micros(), latency.samples());
            }
            r.put("ha_forward_added_p50_us", r.get("ha_forward_p50_us") - r.get("ha_local_p50_us"));
            for (String path : List.of("local", "forward")) {
                GatewayTarget target = path.equals("local") ? local.gateway() : forward.gateway();
                double rps = http.requestsPerSecond(target, CONNECTIONS, LOAD_WARMUP, seconds);
                r.put("ha_" + path + "_rps", rps);
                System.out.printf(Locale.ROOT, "  %-32s %-8s %.0f requests/s%n", CONNECTIONS + " connections of GET /hello",
                        path, rps);
            }
            r.put("ha_failover_seconds", failover(stack, local));
            r.replaceAll((k, v) -> Double.isNaN(v) ? v : Math.round(v * 100) / 100.0);
            failed = false;
            return r;
        } finally {
            if (failed) {
                stack.keepLogs();
            }
            stack.close();
        }
    }

    /**
     * Kills the hub holding the most tunnels (of those, the workspace agent's, so that its app
     * has to move too) and returns the seconds until every agent is connected to a survivor and
     * the app answers through every survivor's gateway; NaN when that took longer than
     * {@link #FAILOVER_LIMIT}.
     */
    private static double failover(HaStack stack, HaStack.Hub local) throws Exception {
        List<HaStack.Hub> hubs = stack.hubs();
        List<String> agents = stack.agents();
        Map<String, Integer> held = new LinkedHashMap<>();
        hubs.forEach(h -> held.put(h.id(), 0));
        for (String agent : agents) {
            String hub = HaStack.connectedTo(hubs.get(0).admin(), agent);
            if (hub != null) {
                held.merge(hub, 1, Integer::sum);
            }
        }
        HaStack.Hub victim = local;
        for (HaStack.Hub hub : hubs) {
            if (held.get(hub.id()) > held.get(victim.id())) {
                victim = hub;
            }
        }
        String victimId = victim.id();
        List<HaStack.Hub> survivors = hubs.stream().filter(h -> !h.id().equals(victimId)).toList();
        List<String> survivorIds = survivors.stream().map(HaStack.Hub::id).toList();
        System.out.printf(Locale.ROOT, "  tunnels held: %s; killing %s (SIGKILL)%n", held, victim);
        long killed = System.nanoTime();
        victim.process().destroyForcibly();
        long deadline = killed + FAILOVER_LIMIT.toNanos();
        double agentsBack = Double.NaN;
        double appBack = Double.NaN;
        String missing = "";
        while (System.nanoTime() < deadline) {
            long checked = System.nanoTime();
            List<String> away = new ArrayList<>();
            for (String agent : agents) {
                String hub = whereIs(survivors.get(0).admin(), agent);
                if (!survivorIds.contains(hub)) {
                    away.add(agent + " (" + hub + ")");
                }
            }
            List<String> failing = survivors.stream().filter(h -> GatewayStack.probe(h.gateway()) != 200)
                    .map(HaStack.Hub::id).toList();
            double at = (System.nanoTime() - killed) / 1e9;
            if (away.isEmpty() && Double.isNaN(agentsBack)) {
                agentsBack = at;
            }
            if (failing.isEmpty() && Double.isNaN(appBack)) {
                appBack = at;
            }
            if (away.isEmpty() && failing.isEmpty()) {
                System.out.printf(Locale.ROOT, "  every agent connected to a survivor %.2f s after the kill, the app "
                        + "answering through every survivor %.2f s after it: failover %.2f s%n", agentsBack, appBack, at);
                return at;
            }
            missing = "agents not on a survivor: " + away + "; survivors whose gateway did not answer 200: " + failing;
            long pause = POLL_MILLIS - (System.nanoTime() - checked) / 1_000_000;
            if (pause > 0) {
                Thread.sleep(pause);
            }
        }
        System.out.println("  failover not done within " + FAILOVER_LIMIT.toSeconds() + " s: " + missing);
        return Double.NaN;
    }

    /** The hub holding {@code agent}'s tunnel as {@code admin} sees it; a description when none or the call failed. */
    private static String whereIs(HubAdmin admin, String agent) throws InterruptedException {
        try {
            String hub = HaStack.connectedTo(admin, agent);
            return hub != null ? hub : "not connected";
        } catch (IOException | RuntimeException e) {
            return "unknown: " + e.getMessage();
        }
    }

    private static void table(String title, Map<String, Double> r, int hubs, int tunnels, Duration seconds) {
        System.out.printf(Locale.ROOT, "%ncodehub many hubs benchmark, %s (%d hubs, %d tunnels, %d s phases, transport %s)%n",
                title, hubs, tunnels, seconds.toSeconds(), TunnelTransport.name());
        System.out.printf(Locale.ROOT, "  %-36s %12s %12s%n", "", "local", "forward");
        row(r, "GET /hello p50 (us)", "_p50_us");
        row(r, "GET /hello p99 (us)", "_p99_us");
        row(r, CONNECTIONS + " connections (requests/s)", "_rps");
        System.out.println("  targets:");
        for (Target target : TARGETS) {
            double value = r.getOrDefault(target.key(), Double.NaN);
            System.out.printf(Locale.ROOT, "    %-40s %10s  <= %-6s %s%n", target.what(), format(value), format(target.bound()),
                    Double.isNaN(value) ? "not measured" : target.met(value) ? "met" : "MISSED");
        }
        double failover = r.getOrDefault("ha_failover_seconds", Double.NaN);
        System.out.printf(Locale.ROOT, "    %-40s %10s  <= %-6s %s%n", "failover, the issue's bound (s)", format(failover),
                format(FAILOVER_BOUND_SECONDS), Double.isNaN(failover) ? "MISSED (not done)"
                        : failover <= FAILOVER_BOUND_SECONDS ? "met" : "MISSED");
    }

    private static void row(Map<String, Double> r, String what, String suffix) {
        System.out.printf(Locale.ROOT, "  %-36s %12s %12s%n", what, format(r.getOrDefault("ha_local" + suffix, Double.NaN)),
                format(r.getOrDefault("ha_forward" + suffix, Double.NaN)));
    }

    /** Every key's min, median and max over the runs, and whether each target was met in every run. */
    private static void summary(List<Map<String, Double>> results) {
        System.out.printf(Locale.ROOT, "%ncodehub many hubs benchmark, %d runs: min / median / max%n", results.size());
        for (String key : results.get(0).keySet()) {
            double[] values = RunResults.values(results, key);
            System.out.printf(Locale.ROOT, "  %-40s %12s %12s %12s%n", key, format(values[0]),
                    format(values[values.length / 2]), format(values[values.length - 1]));
        }
        System.out.println("  targets (met in every run?):");
        for (Target target : TARGETS) {
            long met = results.stream().filter(r -> target.met(r.getOrDefault(target.key(), Double.NaN))).count();
            System.out.printf(Locale.ROOT, "    %-40s <= %-6s %s%n", target.what(), format(target.bound()),
                    met == results.size() ? "met in every run" : "MISSED in " + (results.size() - met) + " of "
                            + results.size() + " runs");
        }
    }
}
