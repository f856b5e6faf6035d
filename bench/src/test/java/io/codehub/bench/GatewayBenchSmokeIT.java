package io.codehub.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Keeps {@code bench gateway} working: one run at a small scale (1 s phases, 4 MiB transfers,
 * 8 idle WebSockets) with the real hub and agent jars and the sample app image
 * ({@code codehub/sample-workspace:local}, built by {@code deploy/test-images/build}) on the local
 * Docker engine; every JSON key is there, with a value that makes sense. Speed is not judged here.
 */
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class GatewayBenchSmokeIT {

    private static final List<String> PATHS = List.of("upstream", "direct", "tunnel");

    @Test
    void gatewayReportWritesEveryKey(@TempDir Path dir) throws Exception {
        System.setProperty("codehub.root", ".."); // failsafe runs in bench/; the jars are ../hub/target, ../agent/target
        Path json = dir.resolve("gateway.json");

        GatewayReport.run(new String[] {"gateway", "--seconds", "1", "--bulk-mb", "4", "--rounds", "2", "--idle", "8",
            "--json", json.toString()});

        JsonNode report = HubAdmin.JSON.readTree(json.toFile());
        for (String path : PATHS) {
            for (String key : List.of("gw_p50_us_", "gw_p99_us_", "gw_rps_", "gw_bulk_mbps_", "gw_upload_mbps_",
                    "gw_ws_echo_p50_us_", "gw_ws_msgs_per_s_")) {
                assertThat(report.get(key + path)).as(key + path).isNotNull();
                assertThat(report.get(key + path).asDouble()).as(key + path).isPositive();
            }
        }
        for (String path : List.of("direct", "tunnel")) {
            for (String key : List.of("gw_p50_added_us_", "gw_rps_ratio_", "gw_bulk_ratio_", "gw_upload_ratio_",
                    "gw_ws_echo_p50_added_us_", "gw_ws_msgs_ratio_")) {
                assertThat(report.get(key + path)).as(key + path).isNotNull();
                assertThat(report.get(key + path).isNumber()).as(key + path).isTrue();
            }
        }
        assertThat(report.get("gw_idle_ws_opened_tunnel").asDouble()).isEqualTo(8.0);
        assertThat(report.get("gw_idle_ws_hub_bytes_each_tunnel").isNumber()).isTrue();
        assertThat(report.get("gw_idle_ws_hub_heap_bytes_each_tunnel").isNumber()).isTrue();
    }
}
