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
 * Keeps {@code bench fleet} working: one run at a small scale (50 agents, 10 workspaces, a steady
 * window of 15 s) with the real hub jar on the machine's PostgreSQL and the swarm in the real agent
 * jar; every JSON key is there with a value that makes sense, every agent connected, the restart
 * repeated no workspace step and the hub logged no error. Speed is not judged here.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class FleetBenchSmokeIT {

    @Test
    void fleetReportWritesEveryKey(@TempDir Path dir) throws Exception {
        System.setProperty("codehub.root", ".."); // failsafe runs in bench/; the jars are ../hub/target, ../agent/target
        Path json = dir.resolve("fleet.json");

        FleetReport.run(new String[] {"fleet", "--agents", "50", "--workspaces", "10", "--minutes", "0.25", "--json",
            json.toString()});

        JsonNode report = HubAdmin.JSON.readTree(json.toFile());
        for (String key : List.of("fleet_register_seconds", "fleet_connect_seconds", "fleet_workspaces_running_seconds",
                "fleet_hub_cpu_percent", "fleet_health_sweep_p50_seconds", "fleet_health_sweep_max_seconds",
                "fleet_db_connections_max", "fleet_db_transactions_per_s", "fleet_api_p50_ms", "fleet_api_p99_ms",
                "fleet_api_start_p99_ms", "fleet_api_calls", "fleet_restart_seconds")) {
            assertThat(report.get(key)).as(key).isNotNull();
            assertThat(report.get(key).isNumber()).as(key).isTrue();
            assertThat(report.get(key).asDouble()).as(key).isPositive();
        }
        assertThat(report.get("fleet_hub_heap_bytes").isNumber()).isTrue();
        assertThat(report.get("fleet_hub_rss_bytes").isNumber()).isTrue();
        assertThat(report.get("fleet_connect_listen_overflows").asDouble()).as("read from /proc/net/netstat").isNotNegative();
        assertThat(report.get("fleet_restart_listen_overflows").asDouble()).as("read from /proc/net/netstat").isNotNegative();
        assertThat(report.get("fleet_restart_repeated_steps").asDouble()).isZero();
        assertThat(report.get("fleet_hub_log_errors").asDouble()).isZero();
    }
}
