package io.codehub.hub.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;

import io.codehub.hub.support.MutableClock;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

class FleetHistoryTest {

    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private final List<@Nullable Duration> sessions = new ArrayList<>();
    private final FleetHistory history = new FleetHistory(this::rtts, clock, Duration.ofSeconds(10),
            Duration.ofSeconds(30));

    private Collection<@Nullable Duration> rtts() {
        return new ArrayList<>(sessions);
    }

    @Test
    void aSampleCountsTheSessionsAndTakesTheMedianAndMaxOfThoseWithAnRtt() {
        sessions.addAll(Arrays.asList(Duration.ofMillis(4), null, Duration.ofMillis(1), Duration.ofMillis(2),
                Duration.ofMillis(10)));

        FleetSample sample = history.sample();

        assertThat(sample.at()).isEqualTo(clock.instant());
        assertThat(sample.connectedTunnels()).isEqualTo(5);
        assertThat(sample.medianRttMillis()).isEqualTo(3.0);
        assertThat(sample.maxRttMillis()).isEqualTo(10.0);
    }

    @Test
    void anOddCountHasItsMiddleAsMedianAndNoRttGivesNone() {
        sessions.addAll(Arrays.asList(Duration.ofMillis(7), Duration.ofMillis(1), Duration.ofNanos(2_500_000)));
        assertThat(history.sample().medianRttMillis()).isEqualTo(2.5);

        sessions.clear();
        sessions.add(null);
        FleetSample unmeasured = history.sample();
        assertThat(unmeasured.connectedTunnels()).isEqualTo(1);
        assertThat(unmeasured.medianRttMillis()).isNull();
        assertThat(unmeasured.maxRttMillis()).isNull();
    }

    @Test
    void theWindowKeepsTheNewestSamplesOldestFirst() {
        assertThat(history.capacity()).isEqualTo(3);
        for (int i = 0; i < 5; i++) {
            sessions.add(Duration.ofMillis(1));
            history.sample();
            clock.advance(Duration.ofSeconds(10));
        }

        assertThat(history.samples()).extracting(FleetSample::connectedTunnels).containsExactly(3, 4, 5);
    }

    @Test
    void anIntervalLongerThanTheWindowIsRefused() {
        assertThatThrownBy(() -> new FleetHistory(List::of, clock, Duration.ofMinutes(2), Duration.ofMinutes(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("window");
    }
}
