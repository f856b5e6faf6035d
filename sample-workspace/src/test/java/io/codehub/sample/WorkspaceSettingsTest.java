package io.codehub.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class WorkspaceSettingsTest {

    @Test
    void defaultsToPort8080OnEveryInterface() {
        WorkspaceSettings settings = WorkspaceSettings.fromEnvironment(Map.of());

        assertThat(settings.address()).isEqualTo("0.0.0.0");
        assertThat(settings.ports()).containsExactly(8080);
    }

    @Test
    void blankVariablesTakeTheDefaults() {
        WorkspaceSettings settings = WorkspaceSettings.fromEnvironment(Map.of("SAMPLE_PORTS", " ", "SAMPLE_ADDRESS", ""));

        assertThat(settings).isEqualTo(new WorkspaceSettings("0.0.0.0", List.of(8080)));
    }

    @Test
    void readsAListOfPortsAndAnAddress() {
        WorkspaceSettings settings = WorkspaceSettings.fromEnvironment(
                Map.of("SAMPLE_PORTS", "8080, 3000,9000", "SAMPLE_ADDRESS", "127.0.0.1"));

        assertThat(settings.address()).isEqualTo("127.0.0.1");
        assertThat(settings.ports()).containsExactly(8080, 3000, 9000);
    }

    @Test
    void rejectsWhatIsNotAPortList() {
        assertThatThrownBy(() -> WorkspaceSettings.fromEnvironment(Map.of("SAMPLE_PORTS", "8080,http")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("SAMPLE_PORTS: '8080,http' holds 'http' (expected: a comma separated list of ports, such as 8080,8081)");
        assertThatThrownBy(() -> WorkspaceSettings.fromEnvironment(Map.of("SAMPLE_PORTS", "8080,")))
                .hasMessageContaining("holds ''");
        assertThatThrownBy(() -> WorkspaceSettings.fromEnvironment(Map.of("SAMPLE_PORTS", "70000")))
                .hasMessage("SAMPLE_PORTS: 70000 (expected: 0 to 65535)");
        assertThatThrownBy(() -> WorkspaceSettings.fromEnvironment(Map.of("SAMPLE_PORTS", "8080,8080")))
                .hasMessage("SAMPLE_PORTS: 8080 is listed twice (expected: each port once)");
    }

    @Test
    void severalEphemeralPortsAreAllowed() {
        assertThat(new WorkspaceSettings("127.0.0.1", List.of(0, 0)).ports()).containsExactly(0, 0);
    }
}
