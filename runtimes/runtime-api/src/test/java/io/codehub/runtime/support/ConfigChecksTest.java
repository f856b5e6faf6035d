package io.codehub.runtime.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;

import org.junit.jupiter.api.Test;

class ConfigChecksTest {

    @Test
    void messagesNameFieldValueAndExpectation() {
        assertThat(ConfigChecks.requireBetween("maxConcurrentCalls", 16, 1, 1024)).isEqualTo(16);
        assertThatThrownBy(() -> ConfigChecks.requireBetween("maxConcurrentCalls", 0, 1, 1024))
                .hasMessage("maxConcurrentCalls: 0 (expected: 1..1024)");
        assertThatThrownBy(() -> ConfigChecks.requireNotBlank("agentVersion", " "))
                .hasMessage("agentVersion: ' ' (expected: not blank)");
        assertThatThrownBy(() -> ConfigChecks.requirePositive("callTimeout", Duration.ZERO))
                .hasMessage("callTimeout: PT0S (expected: > 0)");
        assertThatThrownBy(() -> ConfigChecks.requirePositive("jobTimeout", null))
                .hasMessage("jobTimeout: null (expected: > 0)");
        assertThatThrownBy(() -> ConfigChecks.requirePositive("callTimeout", Duration.ofHours(2), Duration.ofHours(1)))
                .hasMessage("callTimeout: PT2H (expected: > 0 and at most PT1H)");
        assertThat(ConfigChecks.requirePositive("callTimeout", Duration.ofHours(1), Duration.ofHours(1)))
                .isEqualTo(Duration.ofHours(1));
    }
}
