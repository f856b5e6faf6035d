package io.codehub.base;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

import org.junit.jupiter.api.Test;

/** Ceilings, cap, overflow, the three jitters with a pinned random, and the failing-time bound. */
class BackoffTest {

    private static final Duration LONGEST = Duration.ofNanos(Long.MAX_VALUE);
    private static final Backoff ONE_TO_THIRTY = Backoff.exponential(Duration.ofSeconds(1), Duration.ofSeconds(30));

    @Test
    void ceilingDoublesFromBaseToCapAndStaysThere() {
        assertThat(ONE_TO_THIRTY.ceiling(0)).isEqualTo(Duration.ofSeconds(1));
        assertThat(ONE_TO_THIRTY.ceiling(1)).isEqualTo(Duration.ofSeconds(2));
        assertThat(ONE_TO_THIRTY.ceiling(4)).isEqualTo(Duration.ofSeconds(16));
        assertThat(ONE_TO_THIRTY.ceiling(5)).isEqualTo(Duration.ofSeconds(30));
        assertThat(ONE_TO_THIRTY.ceiling(1_000)).isEqualTo(Duration.ofSeconds(30));
        assertThat(ONE_TO_THIRTY.ceiling(Integer.MAX_VALUE)).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void ceilingNeverOverflowsWhateverTheRetryOrTheDurations() {
        Backoff widest = Backoff.exponential(Duration.ofNanos(1), LONGEST);
        assertThat(widest.ceiling(62)).isEqualTo(Duration.ofNanos(1L << 62));
        assertThat(widest.ceiling(63)).isEqualTo(LONGEST);
        assertThat(widest.ceiling(Integer.MAX_VALUE)).isEqualTo(LONGEST);
        assertThat(widest.withFullJitter().delay(Integer.MAX_VALUE, FixedRandom.of(FixedRandom.TOP)))
                .isPositive().isLessThan(LONGEST);
        assertThat(widest.withProportionalJitter(1).delay(Integer.MAX_VALUE, FixedRandom.of(FixedRandom.TOP)))
                .isPositive().isLessThan(LONGEST);
        Backoff huge = Backoff.exponential(Duration.ofDays(200 * 365), LONGEST).withMultiplier(1e300);
        assertThat(huge.ceiling(3)).isEqualTo(LONGEST);
        assertThat(huge.boundedByFailingTime(Integer.MAX_VALUE)
                .delay(3, Duration.ofSeconds(Long.MAX_VALUE), FixedRandom.unused())).isEqualTo(LONGEST);
    }

    @Test
    void multiplierAndFixedDelays() {
        Backoff slow = Backoff.exponential(Duration.ofMillis(100), Duration.ofSeconds(10)).withMultiplier(1.5);
        assertThat(slow.ceiling(2)).isEqualTo(Duration.ofMillis(225));
        assertThat(slow.withMultiplier(1).ceiling(50)).isEqualTo(Duration.ofMillis(100));
        assertThat(Backoff.fixed(Duration.ofSeconds(5)).ceiling(100)).isEqualTo(Duration.ofSeconds(5));
        assertThat(Backoff.fixed(Duration.ofSeconds(5)).withFullJitter().delay(100, FixedRandom.of(0.5)))
                .isEqualTo(Duration.ofMillis(2500));
    }

    @Test
    void withoutJitterTheDelayIsTheCeilingAndNothingIsDrawn() {
        for (int retry = 0; retry < 8; retry++) {
            assertThat(ONE_TO_THIRTY.delay(retry, FixedRandom.unused())).isEqualTo(ONE_TO_THIRTY.ceiling(retry));
        }
    }

    @Test
    void fullJitterIsUniformFromZeroToJustBelowTheCeiling() {
        Backoff full = ONE_TO_THIRTY.withFullJitter();
        assertThat(full.delay(2, FixedRandom.of(0))).isZero();
        assertThat(full.delay(2, FixedRandom.of(0.5))).isEqualTo(Duration.ofSeconds(2));
        assertThat(full.delay(2, FixedRandom.of(FixedRandom.TOP))).isEqualTo(Duration.ofNanos(3_999_999_999L));
        assertThat(full.delay(9, FixedRandom.of(FixedRandom.TOP))).isEqualTo(Duration.ofSeconds(30).minusNanos(1));
    }

    @Test
    void fullJitterSpreadsOverTheWholeWindow() {
        RandomGenerator random = new SplittableRandom(1);
        Backoff full = ONE_TO_THIRTY.withFullJitter();
        long min = Long.MAX_VALUE;
        long max = 0;
        for (int i = 0; i < 1_000; i++) {
            long nanos = full.delay(3, random).toNanos();
            assertThat(nanos).isBetween(0L, Duration.ofSeconds(8).toNanos() - 1);
            min = Math.min(min, nanos);
            max = Math.max(max, nanos);
        }
        assertThat(min).isLessThan(Duration.ofMillis(800).toNanos());
        assertThat(max).isGreaterThan(Duration.ofMillis(7_200).toNanos());
    }

    @Test
    void proportionalJitterStaysWithinTheRatioAndWithinBaseAndCap() {
        Backoff renewal = Backoff.exponential(Duration.ofSeconds(30), Duration.ofMinutes(10)).withProportionalJitter(0.25);
        assertThat(renewal.delay(0, FixedRandom.of(0))).as("never below the base").isEqualTo(Duration.ofSeconds(30));
        assertThat(renewal.delay(0, FixedRandom.of(0.5))).isEqualTo(Duration.ofMillis(33_750));
        assertThat(renewal.delay(0, FixedRandom.of(FixedRandom.TOP))).isBetween(Duration.ofMillis(37_499),
                Duration.ofMillis(37_500).minusNanos(1));
        assertThat(renewal.delay(2, FixedRandom.of(0))).isEqualTo(Duration.ofSeconds(90));
        assertThat(renewal.delay(2, FixedRandom.of(0.5))).isEqualTo(Duration.ofMinutes(2));
        assertThat(renewal.delay(30, FixedRandom.of(0))).isEqualTo(Duration.ofSeconds(450));
        assertThat(renewal.delay(30, FixedRandom.of(FixedRandom.TOP))).as("never above the cap")
                .isBetween(Duration.ofMillis(599_999), Duration.ofMinutes(10).minusNanos(1));

        RandomGenerator random = new SplittableRandom(2);
        for (int retry = 0; retry < 12; retry++) {
            Duration ceiling = renewal.ceiling(retry);
            for (int i = 0; i < 200; i++) {
                Duration delay = renewal.delay(retry, random);
                assertThat(delay).isBetween(Duration.ofSeconds(30), Duration.ofMinutes(10))
                        .isGreaterThanOrEqualTo(ceiling.multipliedBy(3).dividedBy(4))
                        .isLessThanOrEqualTo(ceiling.multipliedBy(5).dividedBy(4));
            }
        }
    }

    @Test
    void theFailingTimeBoundKeepsTheCeilingWithinTwiceTheOutageButNeverBelowTheBase() {
        Backoff reconnect = ONE_TO_THIRTY.boundedByFailingTime(2);
        assertThat(reconnect.delay(5, Duration.ZERO, FixedRandom.unused())).as("nothing elapsed: the base")
                .isEqualTo(Duration.ofSeconds(1));
        assertThat(reconnect.delay(5, Duration.ofSeconds(4), FixedRandom.unused())).as("4 s failing: 8 s, not 30")
                .isEqualTo(Duration.ofSeconds(8));
        assertThat(reconnect.delay(2, Duration.ofSeconds(4), FixedRandom.unused())).as("the exponential is lower")
                .isEqualTo(Duration.ofSeconds(4));
        assertThat(reconnect.delay(9, Duration.ofHours(1), FixedRandom.unused())).as("a long outage: the cap")
                .isEqualTo(Duration.ofSeconds(30));
        assertThat(reconnect.delay(9, FixedRandom.unused())).as("failing time unknown: no bound")
                .isEqualTo(Duration.ofSeconds(30));
        assertThat(reconnect.ceiling(9)).isEqualTo(Duration.ofSeconds(30));
        assertThat(reconnect.delay(9, Duration.ofSeconds(Long.MAX_VALUE), FixedRandom.unused()))
                .isEqualTo(Duration.ofSeconds(30));

        Backoff full = reconnect.withFullJitter();
        assertThat(full.delay(5, Duration.ofSeconds(4), FixedRandom.of(FixedRandom.TOP)))
                .isEqualTo(Duration.ofSeconds(8).minusNanos(1));
        assertThat(full.delay(5, Duration.ofMillis(100), FixedRandom.of(0.5))).isEqualTo(Duration.ofMillis(500));
    }

    @Test
    void aSeededGeneratorGivesTheSameDelays() {
        Backoff full = ONE_TO_THIRTY.withFullJitter();
        RandomGenerator a = new SplittableRandom(42);
        RandomGenerator b = new SplittableRandom(42);
        for (int retry = 0; retry < 10; retry++) {
            assertThat(full.delay(retry, a)).isEqualTo(full.delay(retry, b));
        }
    }

    @Test
    void aValueWhoseWithersCopy() {
        Backoff full = ONE_TO_THIRTY.withFullJitter().boundedByFailingTime(2);
        assertThat(ONE_TO_THIRTY.jitter()).isEqualTo(Backoff.Jitter.NONE);
        assertThat(ONE_TO_THIRTY.failingTimeBound()).isZero();
        assertThat(full.jitter()).isEqualTo(Backoff.Jitter.FULL);
        assertThat(full.failingTimeBound()).isEqualTo(2);
        assertThat(full).isEqualTo(ONE_TO_THIRTY.boundedByFailingTime(2).withFullJitter())
                .hasSameHashCodeAs(ONE_TO_THIRTY.boundedByFailingTime(2).withFullJitter())
                .isNotEqualTo(ONE_TO_THIRTY);
        assertThat(full.toString()).isEqualTo(
                "Backoff[base=PT1S, cap=PT30S, multiplier=2.0, jitter=FULL, boundedByFailingTime=2]");
        Backoff proportional = ONE_TO_THIRTY.withProportionalJitter(0.5);
        assertThat(proportional.jitterRatio()).isEqualTo(0.5);
        assertThat(proportional.toString()).contains("jitter=PROPORTIONAL 0.5");
        assertThat(proportional.withFullJitter().jitterRatio()).isZero();
    }

    @Test
    void invalidSettingsAreRefusedNamingTheValue() {
        assertThatThrownBy(() -> Backoff.exponential(Duration.ZERO, Duration.ofSeconds(1)))
                .hasMessage("base: PT0S (expected: > 0)");
        assertThatThrownBy(() -> Backoff.exponential(Duration.ofSeconds(2), Duration.ofSeconds(1)))
                .hasMessage("cap: PT1S (expected: >= base PT2S)");
        assertThatThrownBy(() -> Backoff.exponential(Duration.ofSeconds(1), LONGEST.plusNanos(1)))
                .hasMessageStartingWith("cap: ").hasMessageContaining("(expected: <= ");
        for (double multiplier : new double[] {0.5, Double.NaN, Double.POSITIVE_INFINITY}) {
            assertThatThrownBy(() -> ONE_TO_THIRTY.withMultiplier(multiplier))
                    .hasMessage("multiplier: " + multiplier + " (expected: finite and >= 1)");
        }
        for (double ratio : new double[] {0, 1.5, -0.1, Double.NaN}) {
            assertThatThrownBy(() -> ONE_TO_THIRTY.withProportionalJitter(ratio))
                    .hasMessage("ratio: " + ratio + " (expected: 0 < ratio <= 1)");
        }
        assertThatThrownBy(() -> ONE_TO_THIRTY.boundedByFailingTime(0)).hasMessage("factor: 0 (expected: >= 1)");
        assertThatThrownBy(() -> ONE_TO_THIRTY.ceiling(-1)).hasMessage("retry: -1 (expected: >= 0)");
        assertThatThrownBy(() -> ONE_TO_THIRTY.delay(0, Duration.ofSeconds(-1), FixedRandom.unused()))
                .hasMessage("failingFor: PT-1S (expected: >= 0)");
    }
}
