package io.codehub.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Keeps the harness working: the whole tunnel report at a small scale, on 127.0.0.1. */
class BenchSmokeIT {

    @Test
    void tunnelReportWritesEveryKey(@TempDir Path dir) throws Exception {
        System.setProperty("codehub.root", ".."); // failsafe runs in bench/; the agent jar is ../agent/target
        Path json = dir.resolve("tunnel.json");
        capture(() -> TunnelReport.run(new String[] {"tunnel", "--tunnels", "20", "--seconds", "1", "--bulk-mb", "4",
                "--json", json.toString()}, 17493));
        assertThat(Files.readString(json)).contains("\"latency_warmup_calls\"", "\"latency_direct_p50_us\"", "\"latency_tunnel_p50_us\"",
                "\"latency_tunnel_p99_us\"", "\"rps_direct\"", "\"rps_tunnel\"", "\"bulk_tcp_mbps\"", "\"bulk_tunnel_mbps\"",
                "\"bulk_tunnel_tls_mbps\"", "\"idle_tunnel_bytes\"", "\"idle_tunnel_rss_marginal_bytes\"", "\"reconnect_all_seconds\"", "\"stalled_sibling_ratio\"");
    }

    private static String capture(ThrowingRunnable body) throws Exception {
        PrintStream original = System.out;
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buffer, true, StandardCharsets.UTF_8));
        try {
            body.run();
        } finally {
            System.setOut(original);
        }
        String out = buffer.toString(StandardCharsets.UTF_8);
        original.print(out);
        return out;
    }

    interface ThrowingRunnable {
        void run() throws Exception;
    }
}
