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
 * Keeps {@code bench ha} working: one run at the smallest scale (two hubs, two tunnel agents, 1 s
 * phases) with the real hub and agent jars on the machine's PostgreSQL and the sample app image
 * ({@code codehub/sample-workspace:local}) on the local Docker engine; every JSON key is there,
 * with a value that makes sense, and the failover finished. Speed is not judged here.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class HaBenchSmokeIT {

    @Test
    void haReportWritesEveryKey(@TempDir Path dir) throws Exception {
        System.setProperty("codehub.root", ".."); // failsafe runs in bench/; the jars are ../hub/target, ../agent/target
        Path json = dir.resolve("ha.json");

        HaReport.run(new String[] {"ha", "--hubs", "2", "--tunnels", "2", "--seconds", "1", "--json", json.toString()});

        JsonNode report = HubAdmin.JSON.readTree(json.toFile());
        for (String key : List.of("ha_local_p50_us", "ha_local_p99_us", "ha_forward_p50_us", "ha_forward_p99_us",
                "ha_local_rps", "ha_forward_rps", "ha_failover_seconds")) {
            assertThat(report.get(key)).as(key).isNotNull();
            assertThat(report.get(key).isNumber()).as(key).isTrue();
            assertThat(report.get(key).asDouble()).as(key).isPositive();
        }
        assertThat(report.get("ha_forward_added_p50_us").isNumber()).isTrue();
    }
}
