package io.codehub.runtime.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;

import io.codehub.runtime.InstanceSpec;
import io.codehub.runtime.InstanceState;
import io.codehub.runtime.InstanceStatus;
import io.codehub.runtime.WorkspaceId;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import org.junit.jupiter.api.Test;

class PodStatesTest {

    static final WorkspaceId ID = WorkspaceId.of("ws1");

    static Pod pod(PodStatus status) {
        return new PodBuilder().withNewMetadata().withName("codehub-ws-ws1").endMetadata().withNewSpec()
                .addNewContainer().withName("workspace").withImage("img:1").endContainer().endSpec()
                .withStatus(status).build();
    }

    static InstanceStatus status(PodStatus status) {
        return PodStates.toStatus(ID, pod(status));
    }

    @Test
    void pendingWithoutKubeletReportIsCreating() {
        assertThat(PodStates.toStatus(ID, pod(null)).state()).isEqualTo(InstanceState.CREATING);
        InstanceStatus unschedulable = status(new PodStatusBuilder().withPhase("Pending").addNewCondition()
                .withType("PodScheduled").withStatus("False").withReason("Unschedulable")
                .withMessage("0/3 nodes are available").endCondition().build());
        assertThat(unschedulable.state()).isEqualTo(InstanceState.CREATING);
        assertThat(unschedulable.reason()).isEqualTo("Unschedulable: 0/3 nodes are available");
    }

    @Test
    void runningNeedsARunningContainerAndAnIp() {
        var running = new ContainerStatusBuilder().withName("workspace").withNewState().withNewRunning()
                .withStartedAt("2026-01-01T00:00:00Z").endRunning().endState().build();
        InstanceStatus up = status(new PodStatusBuilder().withPhase("Running").withPodIP("10.0.0.5")
                .addToContainerStatuses(running).build());
        assertThat(up.state()).isEqualTo(InstanceState.RUNNING);
        assertThat(up.startedAt()).isEqualTo(Instant.parse("2026-01-01T00:00:00Z"));
        assertThat(up.image()).isEqualTo("img:1");
        assertThat(status(new PodStatusBuilder().withPhase("Running").addToContainerStatuses(running).build()).state())
                .isEqualTo(InstanceState.CREATING);
    }

    @Test
    void waitingErrorsAreErrorsWithTheirReason() {
        for (String reason : new String[] {"ImagePullBackOff", "ErrImagePull", "ErrImageNeverPull", "CrashLoopBackOff",
                "CreateContainerConfigError"}) {
            InstanceStatus failed = status(new PodStatusBuilder().withPhase("Pending").addToContainerStatuses(
                    new ContainerStatusBuilder().withName("workspace").withNewState().withNewWaiting().withReason(reason)
                            .withMessage("details").endWaiting().endState().build()).build());
            assertThat(failed.state()).as(reason).isEqualTo(InstanceState.ERROR);
            assertThat(failed.reason()).isEqualTo(reason + ": details");
        }
        InstanceStatus pulling = status(new PodStatusBuilder().withPhase("Pending").addToContainerStatuses(
                new ContainerStatusBuilder().withName("workspace").withNewState().withNewWaiting()
                        .withReason("ContainerCreating").endWaiting().endState().build()).build());
        assertThat(pulling.state()).isEqualTo(InstanceState.CREATING);
    }

    @Test
    void endedAndLostPods() {
        var terminated = new ContainerStatusBuilder().withName("workspace").withNewState().withNewTerminated()
                .withExitCode(137).withReason("OOMKilled").endTerminated().endState().build();
        InstanceStatus oom = status(new PodStatusBuilder().withPhase("Failed").addToContainerStatuses(terminated).build());
        assertThat(oom.state()).isEqualTo(InstanceState.ERROR);
        assertThat(oom.reason()).isEqualTo("killed for running out of memory (exit code 137)");
        InstanceStatus evicted = status(new PodStatusBuilder().withPhase("Failed").withReason("Evicted")
                .withMessage("The node was low on resource: ephemeral-storage.").build());
        assertThat(evicted.reason()).isEqualTo("Evicted: The node was low on resource: ephemeral-storage.");
        InstanceStatus exited = status(new PodStatusBuilder().withPhase("Succeeded").addToContainerStatuses(
                new ContainerStatusBuilder().withName("workspace").withNewState().withNewTerminated().withExitCode(0)
                        .endTerminated().endState().build()).build());
        assertThat(exited.state()).isEqualTo(InstanceState.EXITED);
        assertThat(exited.reason()).isEqualTo("exit code 0");
        assertThat(status(new PodStatusBuilder().withPhase("Unknown").build()).state()).isEqualTo(InstanceState.ERROR);
        Pod terminating = pod(new PodStatusBuilder().withPhase("Running").build());
        terminating.getMetadata().setDeletionTimestamp("2026-01-01T00:00:00Z");
        assertThat(PodStates.toStatus(ID, terminating).state()).isEqualTo(InstanceState.EXITED);
    }

    @Test
    void portsAreThoseTheWorkspaceContainerDeclaresWithTheMainOneNamedHttp() {
        Pod created = KubeInstances.podFor(ID, InstanceSpec.of("img:1", null, null, 8080, List.of(3000, 5173), null,
                null, null, null));
        assertThat(PodStates.toStatus(ID, created)).satisfies(status -> {
            assertThat(status.port()).isEqualTo(8080);
            assertThat(status.ports()).containsExactly(3000, 5173);
        });
        Pod unnamed = new PodBuilder().withNewMetadata().withName("codehub-ws-ws1").endMetadata().withNewSpec()
                .addNewContainer().withName("sidecar").addNewPort().withContainerPort(1).endPort().endContainer()
                .addNewContainer().withName("workspace").addNewPort().withContainerPort(9000).endPort()
                .addNewPort().withContainerPort(9001).endPort().addNewPort().endPort().endContainer()
                .endSpec().build();
        assertThat(PodStates.ports(unnamed)).isEqualTo(new PodStates.Ports(9000, List.of(9001)));
        assertThat(PodStates.toStatus(ID, pod(null)).port()).as("no declared port").isNull();
        assertThat(PodStates.toStatus(ID, pod(null)).ports()).isEmpty();
    }
}
