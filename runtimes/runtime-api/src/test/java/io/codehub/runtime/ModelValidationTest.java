package io.codehub.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import io.codehub.runtime.support.ExposedPorts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ModelValidationTest {

    @ParameterizedTest
    @ValueSource(strings = {"a", "ws-1", "0abc", "a23456789012345678901234567890123456789012345678901234567890123"})
    void acceptsValidWorkspaceIds(String id) {
        assertThat(WorkspaceId.of(id).value()).isEqualTo(id);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "-a", "A", "ws_1", "ws.1", "../x", "a/b",
            "a234567890123456789012345678901234567890123456789012345678901234"})
    void rejectsInvalidWorkspaceIds(String id) {
        assertThatThrownBy(() -> WorkspaceId.of(id))
                .isInstanceOfSatisfying(InvalidSpecException.class,
                        e -> assertThat(e.type()).isEqualTo(ProblemType.INVALID_WORKSPACE_ID))
                .hasMessageContaining("expected: [a-z0-9][a-z0-9-]{0,62}");
    }

    @Test
    void workspaceIdErrorNeverEchoesUnboundedInput() {
        assertThatThrownBy(() -> WorkspaceId.of("x".repeat(10_000))).satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(200));
    }

    @ParameterizedTest
    @ValueSource(strings = {"../etc/passwd.tar.gz", "a/b.tar.gz", "x.tgz", "A.tar.gz", ".tar.gz"})
    void rejectsArchiveKeysThatCouldEscapeTheStore(String key) {
        assertThatThrownBy(() -> ArchiveKey.of(key)).isInstanceOf(InvalidSpecException.class);
    }

    @Test
    void instanceSpecCapsEveryNetworkFacingField() {
        assertThatThrownBy(() -> InstanceSpec.of(null, null, null, null, null, null, null, null, null))
                .hasMessageContaining("image: missing");
        assertThatThrownBy(() -> InstanceSpec.of("busybox", null, null, 0, null, null, null, null, null))
                .hasMessageContaining("port: 0 (expected: 1..65535)");
        assertThatThrownBy(() -> InstanceSpec.of("busybox", null, null, null, null, "relative", null, null, null))
                .hasMessageContaining("mountPath");
        assertThatThrownBy(() -> InstanceSpec.of("busybox", null, null, null, null, "/a/../etc", null, null, null))
                .hasMessageContaining("mountPath");
        assertThatThrownBy(() -> InstanceSpec.of("busybox", java.util.Collections.nCopies(65, "x"), null, null, null,
                null, null, null, null)).hasMessageContaining("command: 65 items");
        assertThatThrownBy(() -> InstanceSpec.of("busybox", null, Map.of("1BAD", "v"), null, null, null, null, null,
                null)).hasMessageContaining("env: name");
        assertThatThrownBy(() -> InstanceSpec.of("busybox", null, null, null, null, null, null, 1, null))
                .hasMessageContaining("memoryMb: 1");
        assertThatThrownBy(() -> InstanceSpec.of("busybox", null, null, null, null, null, null, null, 0.0))
                .hasMessageContaining("cpus: 0.0");
        assertThatThrownBy(() -> InstanceSpec.of("bad image!", List.of(), null, null, null, null, null, null, null))
                .hasMessageContaining("image:");
    }

    @Test
    void instanceSpecPortsAreOptionalDistinctAdditionalPortNumbers() {
        assertThat(InstanceSpec.ofImage("busybox").ports()).isEmpty();
        InstanceSpec spec = InstanceSpec.of("busybox", null, null, 8080, List.of(3000, 5173), null, null, null, null);
        assertThat(spec.ports()).containsExactly(3000, 5173);
        assertThat(InstanceSpec.of("busybox", null, null, null, IntStream.rangeClosed(1, 16).boxed()
                .toList(), null, null, null, null).ports()).hasSize(InstanceSpec.MAX_PORTS);

        assertInvalidPorts(8080, IntStream.rangeClosed(1, 17).boxed().toList(),
                "ports: 17 items (expected: at most 16)");
        assertInvalidPorts(8080, List.of(3000, 0), "ports: 0 (expected: port numbers 1..65535)");
        assertInvalidPorts(8080, List.of(65536), "ports: 65536 (expected: port numbers 1..65535)");
        assertInvalidPorts(8080, Arrays.asList(3000, null), "ports: null (expected: port numbers 1..65535)");
        assertInvalidPorts(8080, List.of(3000, 3000), "ports: 3000 appears twice (expected: distinct ports)");
        assertInvalidPorts(3000, List.of(3000),
                "ports: 3000 is the main port (expected: ports other than port 3000)");
        assertInvalidPorts(null, List.of(8080),
                "ports: 8080 is the main port (expected: ports other than port 8080)");
    }

    private static void assertInvalidPorts(Integer port, List<Integer> ports, String detail) {
        assertThatThrownBy(() -> InstanceSpec.of("busybox", null, null, port, ports, null, null, null, null))
                .isInstanceOfSatisfying(InvalidSpecException.class,
                        e -> assertThat(e.type()).isEqualTo(ProblemType.INVALID_SPEC))
                .hasMessageContaining(detail);
    }

    @Test
    void exposedPortsNameTheAskedPortAndTheExposedOnes() {
        assertThat(ExposedPorts.requireExposed("codehub-ws-w1", 3000, 8080, List.of(3000))).isEqualTo(3000);
        assertThat(ExposedPorts.requireExposed("codehub-ws-w1", 8080, 8080, List.of(3000))).isEqualTo(8080);
        assertThatThrownBy(() -> ExposedPorts.requireExposed("codehub-ws-w1", 3001, 8080, List.of(3000, 5173)))
                .isInstanceOfSatisfying(NotFoundException.class,
                        e -> assertThat(e.type()).isEqualTo(ProblemType.PORT_NOT_EXPOSED))
                .hasMessage("instance codehub-ws-w1 does not expose port 3001 (exposed: 8080, 3000, 5173)");
        assertThatThrownBy(() -> ExposedPorts.requireExposed("codehub-ws-w1", 0, 8080, List.of()))
                .isInstanceOfSatisfying(InvalidSpecException.class,
                        e -> assertThat(e.type()).isEqualTo(ProblemType.INVALID_SPEC))
                .hasMessage("port: 0 (expected: 1..65535)");
        assertThat(RuntimeProblemException.of(ProblemType.PORT_NOT_EXPOSED, "x")).isInstanceOf(NotFoundException.class);
    }

    @Test
    void unknownEnumValuesAreInvalidSpecs() {
        assertThatThrownBy(() -> ImagePullPolicy.fromWire("Sometimes"))
                .isInstanceOf(InvalidSpecException.class)
                .hasMessageContaining("expected one of: IfNotPresent, Always, Never");
    }

    @Test
    void problemsMapBackToTheirExceptionTypes() {
        assertThat(RuntimeProblemException.of(ProblemType.VOLUME_IN_USE, "x")).isInstanceOf(ConflictException.class);
        assertThat(RuntimeProblemException.of(ProblemType.JOB_NOT_FOUND, "x")).isInstanceOf(NotFoundException.class);
        assertThat(RuntimeProblemException.of(ProblemType.IMAGE_UNAVAILABLE, "x")).isInstanceOf(InvalidSpecException.class);
        assertThat(RuntimeProblemException.of(ProblemType.BACKEND_UNAVAILABLE, "x"))
                .isInstanceOf(BackendUnavailableException.class);
        assertThat(RuntimeProblemException.of(ProblemType.INTERNAL, "x")).isInstanceOf(BackendFailureException.class);
        assertThat(ProblemType.fromUri("urn:codehub:problem:volume-in-use")).isEqualTo(ProblemType.VOLUME_IN_USE);
        assertThat(ProblemType.fromUri("about:blank")).isNull();
    }
}
