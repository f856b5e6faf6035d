package io.codehub.runtime.docker;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import io.codehub.runtime.InstanceState;
import io.codehub.runtime.InstanceStatus;
import io.codehub.runtime.WorkspaceId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ContainerStatesTest {

    private static final WorkspaceId ID = WorkspaceId.of("ws1");
    private static final String STARTED = "2026-01-02T03:04:05.123456789Z";

    @ParameterizedTest
    @CsvSource({"created, CREATING", "restarting, CREATING", "running, RUNNING", "paused, RUNNING",
            "exited, EXITED", "removing, EXITED", "dead, ERROR", "bogus, ERROR"})
    void mapsDockerStatus(String docker, InstanceState expected) {
        InstanceStatus status = map(docker, false, false, 0L, "");
        assertThat(status.state()).isEqualTo(expected);
        assertThat(status.workspaceId()).isEqualTo(ID);
        assertThat(status.image()).isEqualTo("img:1");
        assertThat(status.startedAt()).isEqualTo(Instant.parse(STARTED));
        assertThat(status.port()).isEqualTo(8080);
        assertThat(status.ports()).containsExactly(3000);
    }

    @Test
    void portsAreReadFromTheLabelsTheRuntimeWrites() {
        Map<String, String> labels = DockerNames.portLabels(8080, List.of(3000, 5173));
        assertThat(labels).containsEntry("io.codehub.port", "8080").containsEntry("io.codehub.ports", "3000,5173");
        assertThat(DockerNames.port(labels)).isEqualTo(8080);
        assertThat(DockerNames.ports(labels)).containsExactly(3000, 5173);
        assertThat(DockerNames.portLabels(8080, List.of())).containsOnlyKeys("io.codehub.port");
        assertThat(DockerNames.ports(Map.of("io.codehub.port", "8080"))).as("no additional ports").isEmpty();
        assertThat(DockerNames.ports(Map.of("io.codehub.ports", "3000,x,70000,,5173"))).containsExactly(3000, 5173);
        assertThat(DockerNames.port(Map.of())).isNull();
        assertThat(DockerNames.port(null)).isNull();
    }

    @Test
    void exitedSaysTheExitCode() {
        assertThat(map("exited", false, false, 3L, "").reason()).isEqualTo("exit code 3");
        assertThat(map("running", false, false, 0L, "").reason()).isNull();
    }

    @Test
    void oomKilledIsAnError() {
        InstanceStatus status = map("exited", true, false, 137L, "");
        assertThat(status.state()).isEqualTo(InstanceState.ERROR);
        assertThat(status.reason()).contains("out of memory").contains("exit code 137");
    }

    @Test
    void deadIsAnError() {
        InstanceStatus status = map("exited", false, true, 0L, "driver failed");
        assertThat(status.state()).isEqualTo(InstanceState.ERROR);
        assertThat(status.reason()).contains("dead").contains("driver failed");
    }

    @Test
    void aStartErrorIsAnError() {
        InstanceStatus status = map("created", false, false, 127L, "exec: \"nope\": executable file not found");
        assertThat(status.state()).isEqualTo(InstanceState.ERROR);
        assertThat(status.reason()).startsWith("failed to start: exec:");
    }

    @Test
    void runningIgnoresAStaleOomFlag() {
        assertThat(map("running", true, false, 0L, "").state()).isEqualTo(InstanceState.RUNNING);
    }

    @Test
    void zeroOrMissingTimesAreNull() {
        assertThat(ContainerStates.parseTime("0001-01-01T00:00:00Z")).isNull();
        assertThat(ContainerStates.parseTime("")).isNull();
        assertThat(ContainerStates.parseTime(null)).isNull();
        assertThat(ContainerStates.parseTime("yesterday")).isNull();
        assertThat(ContainerStates.parseTime("2026-01-02T03:04:05+02:00")).isEqualTo(Instant.parse("2026-01-02T01:04:05Z"));
    }

    private static InstanceStatus map(String docker, boolean oom, boolean dead, Long exitCode, String error) {
        return ContainerStates.toStatus(ID, docker, oom, dead, exitCode, error, STARTED, "img:1",
                new ContainerStates.Ports(8080, List.of(3000)));
    }
}
