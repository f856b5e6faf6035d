package io.codehub.bench;

import static io.codehub.bench.RunResults.format;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import io.codehub.tunnel.TunnelTransport;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;

/**
 * {@code bench gateway [--seconds S] [--bulk-mb M] [--rounds R] [--runs N] [--json FILE]}: the
 * workspace gateway against the app it fronts, in one run per {@code --runs}, each on a fresh
 * {@link GatewayStack}. Three paths to the same sample app image: {@code upstream} (the app's
 * published port, no gateway), {@code direct} (the gateway to a direct agent's workspace) and
 * {@code tunnel} (the gateway and the agent's tunnel to a tunnel-only agent's workspace). Each
 * measure runs in {@code --rounds} rounds (default {@value #ROUNDS}; a timed measure runs
 * {@code S / R} seconds a round), each round the three paths back to back, the order rotated each
 * round, so that whatever else the machine does weighs on all of them alike: a rate is the
 * median over the rounds, its ratio to the upstream the median of the rounds' ratios, and a
 * latency the percentile of every round's round trips together. Then 1,000 idle WebSockets
 * through the tunnel path and the hub's memory.
 *
 * <p>The load client is this process (Netty on {@value #CLIENT_THREADS} event-loop threads): on a
 * small machine it competes for the same cores as the hub, the agents, the Docker engine and the
 * app, which the numbers include. Each measure prints the cores every process kept busy meanwhile
 * ({@link CpuMeter}), so that a slow path shows where its time went.
 *
 * <p>Also: {@code --idle N} idle WebSockets instead of 1,000; {@code --phases} some of
 * {@code latency,rps,download,upload,echo,ws,idle} (to profile one; keys of the others are left
 * out); {@code --ssh} a fourth path, {@code ssh -R} to the {@code upstream} app through a private
 * sshd on loopback ({@link SshReverseTunnel}; needs Debian's {@code openssh-server}), with the
 * tunnel path's ratios to it. One run writes its keys to the JSON file; several write each key's
 * median, and every run's keys under {@code "runs"}.
 */
final class GatewayReport {

    private static final int CLIENT_THREADS = 2;
    /** The measures, in the order they run; {@code --phases} picks some (to profile one, say). */
    private static final String[] PHASES = {"latency", "rps", "download", "upload", "echo", "ws", "idle"};
    private static final int IDLE_SOCKETS = 1_000;
    /** Rounds of each measure, every path once a round. */
    private static final int ROUNDS = 3;
    private static final int WARMUP_REQUESTS = 3_000;
    private static final int MAX_SAMPLES = 200_000;
    private static final Duration LOAD_WARMUP = Duration.ofSeconds(1);
    /** Sequential round trips before those measured, on the new connection of each round after the first. */
    private static final int ROUND_WARMUP_REQUESTS = 300;
    /** The shortest a round of a timed measure runs, whatever {@code --seconds / --rounds} is. */
    private static final Duration MIN_ROUND = Duration.ofMillis(500);

    /** A target of the issue: a key, how it is judged, and the bound. */
    private record Target(String key, String what, boolean atMost, double bound) {
        boolean met(double value) {
            return atMost ? value <= bound : value >= bound;
        }

        String rule() {
            return (atMost ? "<= " : ">= ") + format(bound);
        }
    }

    /** The targets, for a run that opens {@code idle} idle WebSockets. */
    private static List<Target> targets(int idle, boolean ssh) {
        List<Target> targets = new ArrayList<>(List.of(
                new Target("gw_p50_added_us_direct", "GET p50 added, direct (us)", true, 300),
                new Target("gw_p50_added_us_tunnel", "GET p50 added, tunnel (us)", true, 300),
                new Target("gw_rps_ratio_direct", "64 connections, direct / upstream", false, 0.6),
                new Target("gw_rps_ratio_tunnel", "64 connections, tunnel / upstream", false, 0.6),
                new Target("gw_bulk_ratio_direct", "download, direct / upstream", false, 0.5),
                new Target("gw_bulk_ratio_tunnel", "download, tunnel / upstream", false, 0.5),
                new Target("gw_upload_ratio_direct", "upload, direct / upstream", false, 0.5),
                new Target("gw_upload_ratio_tunnel", "upload, tunnel / upstream", false, 0.5),
                new Target("gw_ws_echo_p50_added_us_direct", "WebSocket echo p50 added, direct (us)", true, 300),
                new Target("gw_ws_echo_p50_added_us_tunnel", "WebSocket echo p50 added, tunnel (us)", true, 300),
                new Target("gw_idle_ws_opened_tunnel", "idle WebSockets open through the tunnel", false, idle),
                new Target("gw_idle_ws_hub_bytes_each_tunnel", "hub RSS per idle WebSocket, tunnel (bytes)", true, 16_384)));
        if (ssh) {
            // DESIGN.md: the tunnel path does at least twice what `ssh -R` does on the same machine.
            targets.add(new Target("gw_rps_tunnel_over_ssh", "64 connections, tunnel / ssh -R", false, 2));
            targets.add(new Target("gw_bulk_tunnel_over_ssh", "download, tunnel / ssh -R", false, 2));
            targets.add(new Target("gw_upload_tunnel_over_ssh", "upload, tunnel / ssh -R", false, 2));
        }
        return targets;
    }

    private GatewayReport() {
    }

    static void run(String[] args) throws Exception {
        Duration seconds = Duration.ofSeconds(Args.positive(args, "--seconds", "10"));
        long bulkBytes = Args.positive(args, "--bulk-mb", "1024") * 1024 * 1024;
        int runs = (int) Args.positive(args, "--runs", "1");
        int rounds = (int) Args.positive(args, "--rounds", Integer.toString(ROUNDS));
        int idle = (int) Args.positive(args, "--idle", Integer.toString(IDLE_SOCKETS));
        String json = Args.value(args, "--json", "");
        boolean ssh = Args.flag(args, "--ssh");
        List<String> phases = List.of(Args.value(args, "--phases", String.join(",", PHASES)).split(","));
        for (String phase : phases) {
            if (!List.of(PHASES).contains(phase)) {
                throw new IllegalArgumentException("--phases: '" + phase + "' (expected some of " + String.join(",", PHASES)
                        + ")");
            }
        }
        Path root = Path.of(System.getProperty("codehub.root", ".")).toAbsolutePath().normalize();

        List<Map<String, Double>> results = new ArrayList<>();
        EventLoopGroup group = TunnelTransport.newEventLoopGroup(CLIENT_THREADS);
        try {
            for (int run = 1; run <= runs; run++) {
                System.out.printf(Locale.ROOT, "%n[bench] gateway run %d of %d: starting the hub, two agents and two "
                        + "workspaces%n", run, runs);
                Map<String, Double> result = once(root, group, phases, seconds, rounds, bulkBytes, idle, ssh);
                results.add(result);
                table(String.format(Locale.ROOT, "run %d of %d", run, runs), result, seconds, rounds, bulkBytes, idle, ssh);
            }
        } finally {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(10_000);
        }
        if (runs > 1) {
            summary(results, idle, ssh);
        }
        if (!json.isEmpty()) {
            Files.writeString(Path.of(json), RunResults.json(results));
            System.out.println("wrote " + json);
        }
    }

    /**
     * Rounds of a short run of every chosen phase on every path, until the JIT compilers of this
     * client, the hub and both agents went quiet ({@link JitWarmup}; at most twelve phases' time):
     * the phases then measure a hub and agents that have served for a while, not their start-up.
     */
    private static JitWarmup.Result warmUp(GatewayStack stack, HttpLoad http, WebSocketLoad ws,
            List<GatewayTarget> targets, List<String> phases, Duration seconds, long bulkBytes) throws Exception {
        long bulk = Math.min(bulkBytes, 64L * 1024 * 1024);
        Duration burst = Duration.ofMillis(Math.min(1_000, seconds.toMillis()));
        long[] jvms = stack.processGroups().entrySet().stream()
                .filter(e -> List.of("client", "hub", "direct-agent", "tunnel-agent").contains(e.getKey()))
                .flatMap(e -> e.getValue().stream()).mapToLong(Long::longValue).toArray();
        return JitWarmup.until(jvms, 1, seconds.multipliedBy(12), () -> {
            for (GatewayTarget t : targets) {
                if (phases.contains("latency")) {
                    http.latency(t, 0, 1_000, seconds);
                }
                if (phases.contains("rps")) {
                    http.requestsPerSecond(t, Duration.ZERO, burst);
                }
                if (phases.contains("download")) {
                    http.download(t, bulk);
                }
                if (phases.contains("upload")) {
                    http.upload(t, bulk);
                }
                if (phases.contains("echo")) {
                    ws.echoes(t, 0, 1_000, seconds);
                }
                if (phases.contains("ws")) {
                    ws.messagesPerSecond(t, Duration.ZERO, burst);
                }
            }
        });
    }

    /** One run on a fresh stack: every key. */
    private static Map<String, Double> once(Path root, EventLoopGroup group, List<String> phases, Duration seconds,
            int roundCount, long bulkBytes, int idle, boolean ssh)
            throws Exception {
        HttpLoad http = new HttpLoad(group);
        WebSocketLoad ws = new WebSocketLoad(group);
        Map<String, Double> r = new LinkedHashMap<>();
        GatewayStack stack = GatewayStack.start(root, ssh);
        boolean failed = true;
        try {
            List<GatewayTarget> targets = stack.targets();
            CpuMeter cpu = new CpuMeter(stack.processGroups());
            System.out.println("[bench] paths: " + targets);
            System.out.println("[bench] processes: " + cpu);
            System.out.println("[bench] transport " + TunnelTransport.name() + ", " + CLIENT_THREADS
                    + " client event-loop threads; logs in " + stack.logs());
            JitWarmup.Result warmup = warmUp(stack, http, ws, targets, phases, seconds, bulkBytes);
            r.put("gw_warmup_seconds", warmup.seconds());
            System.out.println("[bench] warm-up, every phase on every path a round: " + warmup.describe());
            Rounds rounds = new Rounds(targets, roundCount, cpu);
            Duration perRound = seconds.dividedBy(roundCount).compareTo(MIN_ROUND) < 0 ? MIN_ROUND
                    : seconds.dividedBy(roundCount);
            if (phases.contains("latency")) {
                Map<String, List<HttpLoad.Latency>> latencies = rounds.measure("sequential GET /hello",
                        (t, round) -> http.latency(t, round == 0 ? WARMUP_REQUESTS : ROUND_WARMUP_REQUESTS, MAX_SAMPLES,
                                perRound),
                        l -> String.format(Locale.ROOT, "p50 %.0f us, p99 %.0f us (%d samples)", l.p50Micros(),
                                l.p99Micros(), l.samples()));
                latencies.forEach((path, measures) -> {
                    HttpLoad.Latency pooled = HttpLoad.Latency.pooled(measures);
                    r.put("gw_p50_us_" + path, pooled.p50Micros());
                    r.put("gw_p99_us_" + path, pooled.p99Micros());
                });
            }
            if (phases.contains("rps")) {
                rates(r, "gw_rps_", "gw_rps_ratio_", "gw_rps_tunnel_over_ssh", rounds.measure(
                        "64 connections of GET /hello", (t, round) -> http.requestsPerSecond(t, LOAD_WARMUP, perRound),
                        rate -> String.format(Locale.ROOT, "%.0f requests/s", rate)));
            }
            if (phases.contains("download")) {
                rates(r, "gw_bulk_mbps_", "gw_bulk_ratio_", "gw_bulk_tunnel_over_ssh",
                        rounds.measure("download", transfers(http::download, bulkBytes), GatewayReport::megabytes));
            }
            if (phases.contains("upload")) {
                rates(r, "gw_upload_mbps_", "gw_upload_ratio_", "gw_upload_tunnel_over_ssh",
                        rounds.measure("upload", transfers(http::upload, bulkBytes), GatewayReport::megabytes));
            }
            if (phases.contains("echo")) {
                Map<String, List<HttpLoad.Latency>> echoes = rounds.measure("WebSocket echo",
                        (t, round) -> ws.echoes(t, round == 0 ? WARMUP_REQUESTS : ROUND_WARMUP_REQUESTS, MAX_SAMPLES,
                                perRound),
                        l -> String.format(Locale.ROOT, "p50 %.0f us (%d samples)", l.p50Micros(), l.samples()));
                echoes.forEach((path, measures) -> r.put("gw_ws_echo_p50_us_" + path,
                        HttpLoad.Latency.pooled(measures).p50Micros()));
            }
            if (phases.contains("ws")) {
                rates(r, "gw_ws_msgs_per_s_", "gw_ws_msgs_ratio_", null, rounds.measure("64 pipelining WebSockets",
                        (t, round) -> ws.messagesPerSecond(t, LOAD_WARMUP, perRound),
                        rate -> String.format(Locale.ROOT, "%.0f echoes/s", rate)));
            }
            if (phases.contains("idle")) {
                idleWebSockets(stack, ws, idle, r);
            }
            for (String path : new String[] {"direct", "tunnel", "ssh"}) {
                difference(r, "gw_p50_added_us_" + path, "gw_p50_us_" + path, "gw_p50_us_upstream");
                difference(r, "gw_ws_echo_p50_added_us_" + path, "gw_ws_echo_p50_us_" + path, "gw_ws_echo_p50_us_upstream");
            }
            r.replaceAll((k, v) -> Math.round(v * 100) / 100.0);
            failed = false;
            return r;
        } finally {
            if (failed) {
                stack.keepLogs();
            }
            stack.close();
        }
    }

    private static void difference(Map<String, Double> r, String key, String value, String baseline) {
        if (r.containsKey(value) && r.containsKey(baseline)) {
            r.put(key, r.get(value) - r.get(baseline));
        }
    }

    /**
     * A rate measured in rounds: each path's median over the rounds under {@code valuePrefix}, and
     * under {@code ratioPrefix} the median over the rounds of the path's rate over the upstream's
     * in the same round (measured back to back, so a machine that slows down for a while weighs on
     * both); {@code overSsh}, when given, the same for the tunnel over {@code ssh -R}.
     */
    private static void rates(Map<String, Double> r, String valuePrefix, String ratioPrefix, String overSsh,
            Map<String, List<Double>> byPath) {
        byPath.forEach((path, values) -> r.put(valuePrefix + path, median(values)));
        List<Double> upstream = byPath.get("upstream");
        byPath.forEach((path, values) -> {
            if (!path.equals("upstream")) {
                r.put(ratioPrefix + path, medianRatio(values, upstream));
            }
        });
        if (overSsh != null && byPath.containsKey("ssh")) {
            r.put(overSsh, medianRatio(byPath.get("tunnel"), byPath.get("ssh")));
        }
    }

    /** The median over the rounds of each round's value over that round's baseline. */
    static double medianRatio(List<Double> values, List<Double> baselines) {
        if (values.size() != baselines.size()) {
            throw new IllegalArgumentException(values.size() + " values for " + baselines.size() + " baselines");
        }
        List<Double> ratios = new ArrayList<>();
        for (int i = 0; i < values.size(); i++) {
            ratios.add(values.get(i) / baselines.get(i));
        }
        return median(ratios);
    }

    /** The middle value; the mean of the two middle ones when the count is even. */
    static double median(List<Double> values) {
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int middle = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    /** The paths in the order round {@code round} (0-based) measures them: rotated by one each round. */
    static <T> List<T> inOrder(List<T> paths, int round) {
        List<T> order = new ArrayList<>(paths.size());
        for (int i = 0; i < paths.size(); i++) {
            order.add(paths.get((i + round) % paths.size()));
        }
        return order;
    }

    /** One transfer of {@code bytes} to or from a path: MB/s. */
    @FunctionalInterface
    private interface Transfer {
        double megabytesPerSecond(GatewayTarget target, long bytes) throws Exception;
    }

    /** {@code bytes} a round, after a warm-up of at most 256 MiB before the first. */
    private static Measure<Double> transfers(Transfer transfer, long bytes) {
        return (t, round) -> {
            if (round == 0) {
                transfer.megabytesPerSecond(t, Math.min(bytes, 256L * 1024 * 1024));
            }
            return transfer.megabytesPerSecond(t, bytes);
        };
    }

    private static String megabytes(double perSecond) {
        return String.format(Locale.ROOT, "%.0f MB/s", perSecond);
    }

    /** A measure of one path in one round (0-based). */
    @FunctionalInterface
    private interface Measure<T> {
        T on(GatewayTarget target, int round) throws Exception;
    }

    /**
     * Runs a measure in rounds: every path once a round, back to back, the order rotated by one
     * path each round (so no path is always first after another phase, or always last); each
     * result printed with the cores every process kept busy meanwhile.
     */
    private record Rounds(List<GatewayTarget> targets, int count, CpuMeter cpu) {

        <T> Map<String, List<T>> measure(String what, Measure<T> measure, Function<T, String> describe) throws Exception {
            Map<String, List<T>> byPath = new LinkedHashMap<>();
            targets.forEach(t -> byPath.put(t.name(), new ArrayList<>()));
            for (int round = 0; round < count; round++) {
                for (GatewayTarget t : inOrder(targets, round)) {
                    CpuMeter.Snapshot from = cpu.snapshot();
                    T result = measure.on(t, round);
                    byPath.get(t.name()).add(result);
                    progress(count == 1 ? what : what + ", round " + (round + 1), t, describe.apply(result), from, cpu);
                }
            }
            return byPath;
        }
    }

    /**
     * {@code count} idle WebSockets through the tunnel path, opened in two halves: the hub's RSS
     * and heap after a full GC before, between and after. The key is the growth from before to
     * after per socket still open; the second half's growth per socket (the marginal cost, without
     * what the first sockets cost once) is printed beside it.
     */
    private static void idleWebSockets(GatewayStack stack, WebSocketLoad ws, int count, Map<String, Double> r)
            throws Exception {
        long pid = stack.hubPid();
        GatewayTarget tunnel = stack.target("tunnel");
        // Warm-up: the code, classes and buffers of opening and holding sockets exist once before the
        // first look, so that what grows after it is what the sockets themselves hold.
        try (WebSocketLoad.Idle warmup = ws.openIdle(tunnel, Math.min(64, count), 32, Duration.ofSeconds(60))) {
            if (warmup.failed() > 0) {
                System.out.println("[bench] idle WebSockets warm-up: " + warmup.failed() + " not open: " + warmup.firstFailure());
            }
        }
        settle();
        ProcessMemory.Sample before = ProcessMemory.afterGc(pid);
        boolean tracked = ProcessMemory.nativeBaseline(pid);
        int half = count / 2;
        try (WebSocketLoad.Idle first = ws.openIdle(tunnel, half, 32, Duration.ofSeconds(120))) {
            settle();
            ProcessMemory.Sample middle = ProcessMemory.afterGc(pid);
            long firstOpen = open(first);
            // After a refusal, the second half is not tried: the limit is the finding.
            int rest = first.failed() > 0 ? 0 : count - half;
            try (WebSocketLoad.Idle second = ws.openIdle(tunnel, rest, 32, Duration.ofSeconds(120))) {
                settle();
                ProcessMemory.Sample after = ProcessMemory.afterGc(pid);
                long secondOpen = open(second);
                long total = open(first) + secondOpen;
                r.put("gw_idle_ws_opened_tunnel", (double) total);
                r.put("gw_idle_ws_hub_bytes_each_tunnel", per(after.residentBytes() - before.residentBytes(), total));
                r.put("gw_idle_ws_hub_heap_bytes_each_tunnel", before.heapBytes() < 0 || after.heapBytes() < 0
                        ? Double.NaN : per(after.heapBytes() - before.heapBytes(), total));
                String firstFailure = !first.firstFailure().isEmpty() ? first.firstFailure() : second.firstFailure();
                System.out.printf(Locale.ROOT, "  %-32s %-9s %d of %d open%s%n", "idle WebSockets", "tunnel", total, count,
                        total < count ? " (" + (count - total) + " not; the first refusal: " + firstFailure + ")" : "");
                System.out.printf(Locale.ROOT, "      hub RSS      %,13d -> %,13d (%d open) -> %,13d bytes (%d open): "
                                + "%.0f each, %.0f each in the second half%n", before.residentBytes(), middle.residentBytes(),
                        firstOpen, after.residentBytes(), total, per(after.residentBytes() - before.residentBytes(), total),
                        per(after.residentBytes() - middle.residentBytes(), total - firstOpen));
                System.out.printf(Locale.ROOT, "      hub heap     %,13d -> %,13d (%d open) -> %,13d bytes (%d open): "
                                + "%.0f each, %.0f each in the second half%n", before.heapBytes(), middle.heapBytes(),
                        firstOpen, after.heapBytes(), total, per(after.heapBytes() - before.heapBytes(), total),
                        per(after.heapBytes() - middle.heapBytes(), total - firstOpen));
                if (tracked) {
                    System.out.println("      hub native memory (NMT), committed change since before:");
                    ProcessMemory.nativeDiff(pid).lines().forEach(l -> System.out.println("        " + l));
                }
            }
        }
    }

    private static long open(WebSocketLoad.Idle idle) {
        return idle.channels().stream().filter(Channel::isActive).count();
    }

    private static double per(long bytes, long count) {
        return count <= 0 ? Double.NaN : bytes / (double) count;
    }

    /** A pause for what the last phase left in flight (closing connections, freed buffers) to go. */
    private static void settle() throws InterruptedException {
        Thread.sleep(3_000);
    }

    /** A measure's result, and the cores each process kept busy meanwhile. */
    private static void progress(String what, GatewayTarget t, String result, CpuMeter.Snapshot from, CpuMeter cpu) {
        System.out.printf(Locale.ROOT, "  %-32s %-9s %-40s%n      cores: %s%n", what, t.name(), result,
                CpuMeter.between(from, cpu.snapshot()));
    }

    private static void table(String title, Map<String, Double> r, Duration seconds, int rounds, long bulkBytes,
            int idle, boolean ssh) {
        System.out.printf(Locale.ROOT, "%ncodehub workspace gateway benchmark, %s (%d s phases in %d rounds, %d MiB "
                + "transfers, this client's transport %s)%n", title, seconds.toSeconds(), rounds, bulkBytes / 1024 / 1024,
                TunnelTransport.name());
        System.out.printf(Locale.ROOT, "  %-36s %12s %12s %12s%s%n", "", "upstream", "direct", "tunnel",
                ssh ? String.format(Locale.ROOT, " %12s", "ssh -R") : "");
        row(r, "GET /hello p50 (us)", "gw_p50_us_");
        row(r, "GET /hello p99 (us)", "gw_p99_us_");
        row(r, "64 connections (requests/s)", "gw_rps_");
        row(r, "download (MB/s)", "gw_bulk_mbps_");
        row(r, "upload (MB/s)", "gw_upload_mbps_");
        row(r, "WebSocket echo p50 (us)", "gw_ws_echo_p50_us_");
        row(r, "64 WebSockets (echoes/s)", "gw_ws_msgs_per_s_");
        System.out.printf(Locale.ROOT, "  %-36s %12s %12s %12s%n", idle + " idle WebSockets, hub RSS each", "", "",
                format(r.getOrDefault("gw_idle_ws_hub_bytes_each_tunnel", Double.NaN)));
        System.out.printf(Locale.ROOT, "  %-36s %12s %12s %12s%n", "  (hub heap after GC each)", "", "",
                format(r.getOrDefault("gw_idle_ws_hub_heap_bytes_each_tunnel", Double.NaN)));
        System.out.println("  targets:");
        for (Target target : targets(idle, ssh)) {
            double value = r.getOrDefault(target.key(), Double.NaN);
            System.out.printf(Locale.ROOT, "    %-46s %10s  %-9s %s%n", target.what(), format(value), target.rule(),
                    Double.isNaN(value) ? "not measured" : target.met(value) ? "met" : "MISSED");
        }
    }

    private static void row(Map<String, Double> r, String what, String prefix) {
        System.out.printf(Locale.ROOT, "  %-36s %12s %12s %12s%s%n", what, format(r.getOrDefault(prefix + "upstream", Double.NaN)),
                format(r.getOrDefault(prefix + "direct", Double.NaN)), format(r.getOrDefault(prefix + "tunnel", Double.NaN)),
                r.containsKey(prefix + "ssh") ? String.format(Locale.ROOT, " %12s", format(r.get(prefix + "ssh"))) : "");
    }

    /** Every key's min, median and max over the runs, and whether each target was met in every run. */
    private static void summary(List<Map<String, Double>> results, int idle, boolean ssh) {
        System.out.printf(Locale.ROOT, "%ncodehub workspace gateway benchmark, %d runs: min / median / max%n", results.size());
        for (String key : results.get(0).keySet()) {
            double[] values = RunResults.values(results, key);
            System.out.printf(Locale.ROOT, "  %-40s %12s %12s %12s%n", key, format(values[0]),
                    format(values[values.length / 2]), format(values[values.length - 1]));
        }
        System.out.println("  targets (met in every run?):");
        for (Target target : targets(idle, ssh)) {
            long met = results.stream().filter(r -> target.met(r.getOrDefault(target.key(), Double.NaN))).count();
            System.out.printf(Locale.ROOT, "    %-46s %-9s %s%n", target.what(), target.rule(),
                    met == results.size() ? "met in every run" : "MISSED in " + (results.size() - met) + " of "
                            + results.size() + " runs");
        }
    }
}
