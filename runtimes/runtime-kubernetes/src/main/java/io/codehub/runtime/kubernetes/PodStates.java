package io.codehub.runtime.kubernetes;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import io.codehub.runtime.InstanceState;
import io.codehub.runtime.InstanceStatus;
import io.codehub.runtime.WorkspaceId;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import org.jspecify.annotations.Nullable;

/**
 * Maps the kubelet's view of an instance pod (phase, conditions, container states) to the SPI's
 * {@link InstanceStatus}.
 *
 * <table>
 * <caption>Pod to instance state</caption>
 * <tr><th>pod</th><th>instance</th></tr>
 * <tr><td>being deleted</td><td>exited, reason {@code terminating}</td></tr>
 * <tr><td>container waiting with ImagePullBackOff, ErrImagePull, ErrImageNeverPull, InvalidImageName,
 *     CrashLoopBackOff, CreateContainerConfigError, CreateContainerError, RunContainerError</td>
 *     <td>error, reason {@code <Reason>: <message>}</td></tr>
 * <tr><td>Pending (scheduling, pulling, creating)</td><td>creating; reason says why it is unschedulable</td></tr>
 * <tr><td>Running, container running, pod IP assigned</td><td>running</td></tr>
 * <tr><td>Running otherwise (restarting, no IP yet)</td><td>creating</td></tr>
 * <tr><td>Succeeded</td><td>exited, reason {@code exit code N}</td></tr>
 * <tr><td>Failed (evicted, OOM-killed, deadline), Unknown</td><td>error, reason says why</td></tr>
 * </table>
 */
final class PodStates {

    /** Waiting reasons that do not go away by waiting: they need a new spec, image or fix. */
    static final Set<String> ERROR_REASONS = Set.of("ImagePullBackOff", "ErrImagePull", "ErrImageNeverPull",
            "InvalidImageName", "CrashLoopBackOff", "CreateContainerConfigError", "CreateContainerError",
            "RunContainerError", "PreCreateHookError", "PreStartHookError");
    private static final int MAX_REASON = 512;

    private PodStates() {
    }

    /** The status of the workspace's managed instance pod. */
    static InstanceStatus toStatus(WorkspaceId id, Pod pod) {
        ContainerStatus container = container(pod);
        String image = pod.getSpec() == null || pod.getSpec().getContainers().isEmpty() ? null
                : pod.getSpec().getContainers().get(0).getImage();
        ContainerState state = container == null ? null : container.getState();
        Instant started = state != null && state.getRunning() != null ? parseTime(state.getRunning().getStartedAt())
                : null;
        Ports ports = ports(pod);
        if (KubeNames.isTerminating(pod)) {
            return status(id, InstanceState.EXITED, image, "terminating", started, ports);
        }
        if (state != null && state.getWaiting() != null && ERROR_REASONS.contains(state.getWaiting().getReason())) {
            return status(id, InstanceState.ERROR, image,
                    reason(state.getWaiting().getReason(), state.getWaiting().getMessage()), started, ports);
        }
        String phase = pod.getStatus() == null || pod.getStatus().getPhase() == null ? "Pending" : pod.getStatus().getPhase();
        return switch (phase) {
            case "Pending" -> status(id, InstanceState.CREATING, image, unschedulable(pod), started, ports);
            case "Running" -> state != null && state.getRunning() != null && hasIp(pod)
                    ? status(id, InstanceState.RUNNING, image, null, started, ports)
                    : status(id, InstanceState.CREATING, image, null, started, ports);
            case "Succeeded" -> status(id, InstanceState.EXITED, image, "exit code " + exitCode(state), started, ports);
            case "Failed" -> status(id, InstanceState.ERROR, image, failure(pod, state), started, ports);
            default -> status(id, InstanceState.ERROR, image,
                    "pod phase " + phase + " (the node may have lost contact with the cluster)", started, ports);
        };
    }

    /** An instance's main and additional container ports, as its pod declares them. */
    record Ports(@Nullable Integer main, List<Integer> additional) {
    }

    /**
     * The ports the workspace container declares: the main one is named {@value KubeNames#MAIN_PORT}
     * (or is the first, for a pod without that name), the others are additional, in order.
     */
    static Ports ports(Pod pod) {
        List<ContainerPort> declared = List.of();
        if (pod.getSpec() != null && !pod.getSpec().getContainers().isEmpty()) {
            Container container = pod.getSpec().getContainers().stream()
                    .filter(c -> KubeNames.CONTAINER.equals(c.getName())).findFirst()
                    .orElse(pod.getSpec().getContainers().get(0));
            declared = container.getPorts() == null ? List.of() : container.getPorts();
        }
        List<ContainerPort> valid = declared.stream().filter(port -> port.getContainerPort() != null
                && port.getContainerPort() > 0 && port.getContainerPort() < 65536).toList();
        if (valid.isEmpty()) {
            return new Ports(null, List.of());
        }
        ContainerPort main = valid.stream().filter(port -> KubeNames.MAIN_PORT.equals(port.getName())).findFirst()
                .orElse(valid.get(0));
        List<Integer> additional = new ArrayList<>();
        for (ContainerPort port : valid) {
            if (port != main) {
                additional.add(port.getContainerPort());
            }
        }
        return new Ports(main.getContainerPort(), List.copyOf(additional));
    }

    private static InstanceStatus status(WorkspaceId id, InstanceState state, @Nullable String image,
            @Nullable String reason, @Nullable Instant started, Ports ports) {
        return new InstanceStatus(id, state, image, reason, started, ports.main(), ports.additional());
    }

    /** The workspace container's status, or the first container's, or {@code null} before the kubelet reported. */
    static @Nullable ContainerStatus container(Pod pod) {
        List<ContainerStatus> statuses = pod.getStatus() == null ? null : pod.getStatus().getContainerStatuses();
        if (statuses == null || statuses.isEmpty()) {
            return null;
        }
        return statuses.stream().filter(status -> KubeNames.CONTAINER.equals(status.getName())).findFirst()
                .orElse(statuses.get(0));
    }

    static boolean hasIp(Pod pod) {
        return pod.getStatus() != null && pod.getStatus().getPodIP() != null && !pod.getStatus().getPodIP().isBlank();
    }

    private static @Nullable String unschedulable(Pod pod) {
        List<PodCondition> conditions = pod.getStatus() == null ? null : pod.getStatus().getConditions();
        if (conditions == null) {
            return null;
        }
        for (PodCondition condition : conditions) {
            if ("PodScheduled".equals(condition.getType()) && "False".equals(condition.getStatus())
                    && condition.getReason() != null) {
                return reason(condition.getReason(), condition.getMessage());
            }
        }
        return null;
    }

    private static String failure(Pod pod, @Nullable ContainerState state) {
        if (state != null && state.getTerminated() != null && "OOMKilled".equals(state.getTerminated().getReason())) {
            return "killed for running out of memory (exit code " + exitCode(state) + ")";
        }
        if (pod.getStatus() != null && pod.getStatus().getReason() != null) {
            return reason(pod.getStatus().getReason(), pod.getStatus().getMessage());
        }
        return "pod failed (exit code " + exitCode(state) + ")";
    }

    private static String exitCode(@Nullable ContainerState state) {
        return state == null || state.getTerminated() == null || state.getTerminated().getExitCode() == null ? "unknown"
                : state.getTerminated().getExitCode().toString();
    }

    private static String reason(String reason, @Nullable String message) {
        String text = message == null || message.isBlank() ? reason : reason + ": " + message.strip();
        return text.length() > MAX_REASON ? text.substring(0, MAX_REASON) + "..." : text;
    }

    /** A Kubernetes timestamp as an instant; {@code null} when absent or unparsable. */
    static @Nullable Instant parseTime(@Nullable String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return OffsetDateTime.parse(value).toInstant();
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
