package io.codehub.hub.access;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

class DurationTextTest {

    @Test
    void readsGoSpringAndIsoSpellings() {
        assertThat(DurationText.parse("8h")).isEqualTo(Duration.ofHours(8));
        assertThat(DurationText.parse("30m")).isEqualTo(Duration.ofMinutes(30));
        assertThat(DurationText.parse("90s")).isEqualTo(Duration.ofSeconds(90));
        assertThat(DurationText.parse("7d")).isEqualTo(Duration.ofDays(7));
        assertThat(DurationText.parse("1500ms")).isEqualTo(Duration.ofMillis(1500));
        assertThat(DurationText.parse("1h30m")).isEqualTo(Duration.ofMinutes(90));
        assertThat(DurationText.parse("2h45m30s")).isEqualTo(Duration.parse("PT2H45M30S"));
        assertThat(DurationText.parse(" 8H ")).isEqualTo(Duration.ofHours(8));
        assertThat(DurationText.parse("PT8H")).isEqualTo(Duration.ofHours(8));
        assertThat(DurationText.parse("pt30m")).isEqualTo(Duration.ofMinutes(30));
        assertThat(DurationText.parse("P7D")).isEqualTo(Duration.ofDays(7));
        assertThat(DurationText.parse("0s")).isZero();
    }

    @Test
    void refusesAnythingElseSayingWhatItExpects() {
        for (String bad : List.of("", "8", "8 h", "h", "-5m", "1.5h", "8hours", "1w", "P", "PT", "PTxH", "8h-")) {
            assertThatThrownBy(() -> DurationText.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("expected: a duration such as");
        }
        assertThatThrownBy(() -> DurationText.parse("999999999999999999d"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("too long");
        assertThatThrownBy(() -> DurationText.parse("x".repeat(1000))).hasMessageContaining("...");
    }

    @Test
    void writesTheLargestWholeUnit() {
        assertThat(DurationText.format(Duration.ofDays(7))).isEqualTo("7d");
        assertThat(DurationText.format(Duration.ofHours(8))).isEqualTo("8h");
        assertThat(DurationText.format(Duration.ofMinutes(90))).isEqualTo("90m");
        assertThat(DurationText.format(Duration.ofSeconds(61))).isEqualTo("61s");
        assertThat(DurationText.format(Duration.ofMillis(1500))).isEqualTo("1500ms");
        assertThat(DurationText.format(Duration.ofNanos(1))).isEqualTo("PT0.000000001S");
    }
}
