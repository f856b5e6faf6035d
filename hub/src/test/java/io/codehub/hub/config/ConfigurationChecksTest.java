package io.codehub.hub.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;

import io.codehub.web.ConfigurationException;
import org.junit.jupiter.api.Test;

class ConfigurationChecksTest {

    @Test
    void acceptedValuesComeBack() {
        assertThat(ConfigurationChecks.positive("CODEHUB_HUB_HEALTH_INTERVAL", Duration.ofSeconds(5)))
                .isEqualTo(Duration.ofSeconds(5));
        assertThat(ConfigurationChecks.inRange("CODEHUB_HUB_TUNNEL_PORT", 0, 0, 65_535)).isZero();
    }

    @Test
    void aBadValueNamesTheVariableTheValueAndTheFix() {
        assertThatThrownBy(() -> ConfigurationChecks.inRange("CODEHUB_HUB_TUNNEL_PORT", 70_000, 0, 65_535))
                .isInstanceOfSatisfying(ConfigurationException.class, e -> {
                    assertThat(e.variable()).isEqualTo("CODEHUB_HUB_TUNNEL_PORT");
                    assertThat(e.getMessage()).isEqualTo("CODEHUB_HUB_TUNNEL_PORT: 70000 (expected: 0..65535)");
                    assertThat(e.action()).isEqualTo("Set CODEHUB_HUB_TUNNEL_PORT to a number between 0 and 65535.");
                });
        assertThatThrownBy(() -> ConfigurationChecks.positive("CODEHUB_HUB_HEALTH_INTERVAL", Duration.ZERO))
                .isInstanceOfSatisfying(ConfigurationException.class, e -> {
                    assertThat(e.getMessage()).isEqualTo("CODEHUB_HUB_HEALTH_INTERVAL: PT0S (expected: > 0)");
                    assertThat(e.action()).startsWith("Set CODEHUB_HUB_HEALTH_INTERVAL to a positive duration");
                });
    }
}
