package io.codehub.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * {@code bench tunnel [--tunnels N] [--seconds S] [--json FILE] [--bulk-mb M]}: every tunnel
 * measurement in one run, printed with its target and optionally written as JSON with the keys the
 * tunnel issue names.
 */
final class TunnelReport {

    private TunnelReport() {
    }

    static void run(String[] args, int port) throws Exception {
        int tunnels = Integer.parseInt(Args.value(args, "--tunnels", "10000"));
        Duration phase = Duration.ofSeconds(Long.parseLong(Args.value(args, "--seconds", "10")));
        long bulkBytes = Long.parseLong(Args.value(args, "--bulk-mb", "1024")) * 1_000_000L;
        String json = Args.value(args, "--json", "");
        Path root = Path.of(System.getProperty("codehub.root", ".")).toAbsolutePath().normalize();

        Map<String, Object> results = new LinkedHashMap<>();
        CallBench.Report report;
        try (AgentUnderTest agent = AgentUnderTest.start(root)) {
            report = CallBench.run(agent, phase);
        }
        CallBench.Result[] calls = {report.direct(), report.tunnel()};
        results.put("latency_warmup_calls", report.warmup().rounds() * CallBench.WARMUP_ROUND);
        results.put("latency_warmup_seconds", round(report.warmup().seconds()));
        results.put("latency_direct_p50_us", round(calls[0].p50Micros()));
        results.put("latency_direct_p99_us", round(calls[0].p99Micros()));
        results.put("latency_tunnel_p50_us", round(calls[1].p50Micros()));
        results.put("latency_tunnel_p99_us", round(calls[1].p99Micros()));
        results.put("rps_direct", round(calls[0].rps()));
        results.put("rps_tunnel", round(calls[1].rps()));
        BulkBench.Result bulk = BulkBench.run(bulkBytes);
        results.put("bulk_tcp_mbps", round(bulk.tcpMbps()));
        results.put("bulk_tunnel_mbps", round(bulk.tunnelMbps()));
        results.put("bulk_tunnel_tls_mbps", round(bulk.tunnelTlsMbps()));
        results.put("stalled_sibling_ratio", round(bulk.stalledSiblingRatio()));
        Bench.IdleCost idle = Bench.idleTunnels(tunnels, port);
        results.put("idle_tunnel_bytes", round(idle.heapAndDirect()));
        results.put("idle_tunnel_rss_bytes", round(idle.resident()));
        results.put("idle_tunnel_rss_marginal_bytes", round(idle.residentMarginal()));
        results.put("reconnect_all_seconds", round(Bench.restart(tunnels, port)));

        System.out.printf(Locale.ROOT, "%ncodehub tunnel benchmark (%d tunnels, %d s phases; %s)%n", tunnels,
                phase.toSeconds(), BulkBench.stack());
        System.out.printf(Locale.ROOT, "  %-40s %s (%,d calls a door each)%n", "warm-up before the small calls",
                report.warmup().describe(), CallBench.WARMUP_ROUND);
        row("small call p50, direct / tunnel (us)", calls[0].p50Micros(), calls[1].p50Micros(),
                String.format(Locale.ROOT, "tunnel/direct %.2f (target <= 1.25)", calls[1].p50Micros() / calls[0].p50Micros()));
        row("small call p99, direct / tunnel (us)", calls[0].p99Micros(), calls[1].p99Micros(),
                String.format(Locale.ROOT, "added %.0f us (target < 500); each <= 2000", calls[1].p99Micros() - calls[0].p99Micros()));
        row("64 callers, direct / tunnel (calls/s)", calls[0].rps(), calls[1].rps(),
                String.format(Locale.ROOT, "tunnel/direct %.2f (target >= 0.9)", calls[1].rps() / calls[0].rps()));
        row("bulk, raw TCP / tunnel (MB/s)", bulk.tcpMbps(), bulk.tunnelMbps(),
                String.format(Locale.ROOT, "tunnel/TCP %.2f (target >= 0.70); TLS tunnel %.0f MB/s",
                        bulk.tunnelMbps() / bulk.tcpMbps(), bulk.tunnelTlsMbps()));
        System.out.printf(Locale.ROOT, "  %-40s %.2f of its speed alone%n", "stream next to a stalled sibling",
                bulk.stalledSiblingRatio());
        System.out.printf(Locale.ROOT, "  %-40s %.0f bytes (target <= 16384); process RSS %.0f bytes, %.0f in the "
                + "second half%n", "hub memory per idle TLS tunnel", (double) results.get("idle_tunnel_bytes"),
                (double) results.get("idle_tunnel_rss_bytes"), (double) results.get("idle_tunnel_rss_marginal_bytes"));
        System.out.printf(Locale.ROOT, "  %-40s %.1f s (target <= 30; raised: <= 10)%n", "all tunnels back after a hub restart",
                (double) results.get("reconnect_all_seconds"));
        if (!json.isEmpty()) {
            String body = results.entrySet().stream().map(e -> "  \"" + e.getKey() + "\": " + e.getValue())
                    .collect(Collectors.joining(",\n", "{\n", "\n}\n"));
            Files.writeString(Path.of(json), body);
            System.out.println("wrote " + json);
        }
    }

    private static void row(String what, double direct, double tunnel, String verdict) {
        System.out.printf(Locale.ROOT, "  %-40s %10.1f / %10.1f   %s%n", what, direct, tunnel, verdict);
    }

    private static double round(double value) {
        return Math.round(value * 100) / 100.0;
    }
}
