package io.codehub.base;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;

import org.junit.jupiter.api.Test;

class ChecksTest {

    @Test
    void acceptedValuesComeBack() {
        assertThat(Checks.positive("n", 1)).isEqualTo(1);
        assertThat(Checks.positive("n", 1L)).isEqualTo(1L);
        assertThat(Checks.notNegative("n", 0)).isZero();
        assertThat(Checks.inRange("maxConcurrentCalls", 1024, 1, 1024)).isEqualTo(1024);
        assertThat(Checks.positive("callTimeout", Duration.ofMillis(1))).isEqualTo(Duration.ofMillis(1));
        assertThat(Checks.positive("callTimeout", Duration.ofHours(1), Duration.ofHours(1))).isEqualTo(Duration.ofHours(1));
        assertThat(Checks.notNegative("clockSkew", Duration.ZERO)).isEqualTo(Duration.ZERO);
        assertThat(Checks.wholeSeconds("interval", Duration.ofSeconds(5))).isEqualTo(Duration.ofSeconds(5));
        assertThat(Checks.wholeSeconds("interval", Duration.ofDays(1_000_000_000))).as("no overflow")
                .isEqualTo(Duration.ofDays(1_000_000_000));
        assertThat(Checks.notBlank("agentVersion", "1.0")).isEqualTo("1.0");
    }

    @Test
    void refusalsNameTheArgumentTheValueAndTheExpectation() {
        assertThatThrownBy(() -> Checks.positive("maxBodyBytes", 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("maxBodyBytes: 0 (expected: > 0)");
        assertThatThrownBy(() -> Checks.positive("n", -1L)).hasMessage("n: -1 (expected: > 0)");
        assertThatThrownBy(() -> Checks.notNegative("cacheSize", -1)).hasMessage("cacheSize: -1 (expected: >= 0)");
        assertThatThrownBy(() -> Checks.inRange("maxConcurrentCalls", 0, 1, 1024))
                .hasMessage("maxConcurrentCalls: 0 (expected: 1..1024)");
        assertThatThrownBy(() -> Checks.inRange("maxConcurrentCalls", 1025, 1, 1024))
                .hasMessage("maxConcurrentCalls: 1025 (expected: 1..1024)");
        assertThatThrownBy(() -> Checks.positive("callTimeout", Duration.ZERO)).hasMessage("callTimeout: PT0S (expected: > 0)");
        assertThatThrownBy(() -> Checks.positive("callTimeout", Duration.ofSeconds(-1)))
                .hasMessage("callTimeout: PT-1S (expected: > 0)");
        assertThatThrownBy(() -> Checks.positive("callTimeout", Duration.ofHours(2), Duration.ofHours(1)))
                .hasMessage("callTimeout: PT2H (expected: > 0 and at most PT1H)");
        assertThatThrownBy(() -> Checks.notNegative("clockSkew", Duration.ofSeconds(-1)))
                .hasMessage("clockSkew: PT-1S (expected: >= 0)");
        assertThatThrownBy(() -> Checks.wholeSeconds("interval", Duration.ofMillis(1500)))
                .hasMessage("interval: PT1.5S (expected: whole seconds)");
        assertThatThrownBy(() -> Checks.wholeSeconds("interval", Duration.ZERO)).hasMessage("interval: PT0S (expected: > 0)");
        assertThatThrownBy(() -> Checks.notBlank("agentVersion", " ")).hasMessage("agentVersion: ' ' (expected: not blank)");
    }

    @Test
    void aMissingValueIsRefusedLikeAWrongOne() {
        assertThatThrownBy(() -> Checks.positive("jobTimeout", null))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("jobTimeout: null (expected: > 0)");
        assertThatThrownBy(() -> Checks.positive("jobTimeout", null, Duration.ofHours(1)))
                .hasMessage("jobTimeout: null (expected: > 0 and at most PT1H)");
        assertThatThrownBy(() -> Checks.notNegative("clockSkew", null)).hasMessage("clockSkew: null (expected: >= 0)");
        assertThatThrownBy(() -> Checks.wholeSeconds("interval", null)).hasMessage("interval: null (expected: > 0)");
        assertThatThrownBy(() -> Checks.notBlank("agentVersion", null)).hasMessage("agentVersion: null (expected: not blank)");
    }
}
