package io.codehub.runtime.docker;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;

import com.github.dockerjava.api.command.InspectContainerResponse;
import io.codehub.runtime.InstanceState;
import io.codehub.runtime.InstanceStatus;
import io.codehub.runtime.WorkspaceId;
import org.jspecify.annotations.Nullable;

/**
 * Maps the engine's view of a container ({@code State} of {@code docker inspect}) to the SPI's
 * {@link InstanceStatus}.
 *
 * <table>
 * <caption>Docker state to instance state</caption>
 * <tr><th>Docker</th><th>instance</th></tr>
 * <tr><td>created, restarting</td><td>creating</td></tr>
 * <tr><td>running, paused</td><td>running</td></tr>
 * <tr><td>exited, removing</td><td>exited, reason {@code exit code N}</td></tr>
 * <tr><td>dead, OOM-killed, or a start error</td><td>error, reason says why</td></tr>
 * </table>
 */
final class ContainerStates {

    /** Docker's zero time, which it reports for a container that never started. */
    private static final Instant NEVER = Instant.parse("0001-01-01T00:00:00Z");

    private ContainerStates() {
    }

    /** The status of the workspace's inspected, managed container. */
    static InstanceStatus toStatus(WorkspaceId id, InspectContainerResponse container) {
        InspectContainerResponse.ContainerState state = container.getState();
        Map<String, String> labels = container.getConfig() == null ? null : container.getConfig().getLabels();
        String image = labels != null && labels.get(DockerNames.IMAGE) != null ? labels.get(DockerNames.IMAGE)
                : container.getConfig() == null ? null : container.getConfig().getImage();
        Ports ports = new Ports(DockerNames.port(labels), DockerNames.ports(labels));
        if (state == null) {
            return status(id, InstanceState.ERROR, image, "the engine reports no container state", null, ports);
        }
        return toStatus(id, state.getStatus(), Boolean.TRUE.equals(state.getOOMKilled()),
                Boolean.TRUE.equals(state.getDead()), state.getExitCodeLong(), state.getError(), state.getStartedAt(),
                image, ports);
    }

    /** An instance's main and additional container ports, as its container's labels record them. */
    record Ports(@Nullable Integer main, List<Integer> additional) {
    }

    /** The status for the individual fields of a container's {@code State}. */
    static InstanceStatus toStatus(WorkspaceId id, @Nullable String status, boolean oomKilled, boolean dead,
            @Nullable Long exitCode, @Nullable String error, @Nullable String startedAt, @Nullable String image,
            Ports ports) {
        Instant started = parseTime(startedAt);
        String exit = "exit code " + (exitCode == null ? "unknown" : exitCode);
        String docker = status == null ? "" : status;
        boolean alive = docker.equals("running") || docker.equals("paused") || docker.equals("restarting");
        if (dead || docker.equals("dead")) {
            return status(id, InstanceState.ERROR, image,
                    "container is dead (the engine failed to remove or stop it)" + withError(error), started, ports);
        }
        if (oomKilled && !alive) {
            return status(id, InstanceState.ERROR, image, "killed for running out of memory (" + exit + ")", started,
                    ports);
        }
        if (!alive && error != null && !error.isBlank()) {
            return status(id, InstanceState.ERROR, image, "failed to start: " + error.strip(), started, ports);
        }
        return switch (docker) {
            case "created", "restarting" -> status(id, InstanceState.CREATING, image, null, started, ports);
            case "running", "paused" -> status(id, InstanceState.RUNNING, image, null, started, ports);
            case "exited", "removing" -> status(id, InstanceState.EXITED, image, exit, started, ports);
            default -> status(id, InstanceState.ERROR, image, "unknown container state '" + docker + "'", started,
                    ports);
        };
    }

    private static InstanceStatus status(WorkspaceId id, InstanceState state, @Nullable String image,
            @Nullable String reason, @Nullable Instant started, Ports ports) {
        return new InstanceStatus(id, state, image, reason, started, ports.main(), ports.additional());
    }

    /** A Docker timestamp as an instant; {@code null} when absent, unparsable or Docker's zero time. */
    static @Nullable Instant parseTime(@Nullable String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        Instant instant;
        try {
            instant = OffsetDateTime.parse(value).toInstant();
        } catch (DateTimeParseException e) {
            return null;
        }
        return instant.equals(NEVER) ? null : instant;
    }

    private static String withError(@Nullable String error) {
        return error == null || error.isBlank() ? "" : ": " + error.strip();
    }
}
