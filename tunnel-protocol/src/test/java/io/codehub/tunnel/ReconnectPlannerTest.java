package io.codehub.tunnel;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import io.codehub.base.Backoff;
import io.codehub.base.FixedRandom;
import io.netty.util.concurrent.MockTicker;
import io.netty.util.concurrent.Ticker;
import org.junit.jupiter.api.Test;

class ReconnectPlannerTest {

    private final MockTicker ticker = Ticker.newMockTicker();

    private static final Backoff DEFAULT = TunnelConnectorBuilder.DEFAULT_BACKOFF;
    private static final Duration HEALTHY_AFTER = Duration.ofSeconds(60);
    private static final Duration DRAIN_JITTER = Duration.ofSeconds(1);

    private ReconnectPlanner planner(long seed) {
        return new ReconnectPlanner(DEFAULT, HEALTHY_AFTER, DRAIN_JITTER, new SplittableRandom(seed), ticker);
    }

    @Test
    void ceilingDoublesFromBaseToCap() {
        Backoff b = DEFAULT;
        assertThat(b.ceiling(0)).isEqualTo(Duration.ofSeconds(1));
        assertThat(b.ceiling(1)).isEqualTo(Duration.ofSeconds(2));
        assertThat(b.ceiling(4)).isEqualTo(Duration.ofSeconds(16));
        assertThat(b.ceiling(5)).isEqualTo(Duration.ofSeconds(30));
        assertThat(b.ceiling(1_000)).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void fullJitterStaysWithinZeroAndTheCeilingAndSpreadsOverIt() {
        for (int attempt = 0; attempt < 8; attempt++) {
            Duration ceiling = DEFAULT.ceiling(attempt);
            long min = Long.MAX_VALUE;
            long max = 0;
            for (long seed = 0; seed < 200; seed++) {
                ReconnectPlanner p = planner(seed);
                for (int i = 0; i < attempt; i++) {
                    p.afterFailure();
                }
                ticker.advance(1, TimeUnit.HOURS); // a long outage: the exponential alone bounds the ceiling
                long nanos = p.afterFailure().toNanos();
                assertThat(nanos).isBetween(0L, ceiling.toNanos() - 1);
                min = Math.min(min, nanos);
                max = Math.max(max, nanos);
            }
            assertThat(min).as("attempt %d reaches near 0", attempt).isLessThan(ceiling.toNanos() / 10);
            assertThat(max).as("attempt %d reaches near the ceiling", attempt).isGreaterThan(ceiling.toNanos() * 9 / 10);
        }
    }

    @Test
    void quickFailuresEarlyInAnOutageDoNotPushTheNextTryPastTwiceTheOutage() {
        for (long seed = 0; seed < 200; seed++) {
            ReconnectPlanner p = planner(seed);
            for (int i = 0; i < 5; i++) {
                p.afterFailure(); // five refusals within the same instant (a hub restarting)
            }
            assertThat(p.afterFailure()).as("nothing has elapsed: the base bounds it").isLessThan(Duration.ofSeconds(1));
            ticker.advance(4, TimeUnit.SECONDS);
            assertThat(p.afterFailure()).as("4 s into the outage: at most 8 s, not 30").isLessThan(Duration.ofSeconds(8));
            ticker.advance(1, TimeUnit.HOURS);
        }
    }

    @Test
    void neverWaitsLongerThanTheCap() {
        ReconnectPlanner p = planner(7);
        for (int i = 0; i < 100; i++) {
            assertThat(p.afterFailure()).isLessThan(Duration.ofSeconds(30));
        }
        assertThat(p.failures()).isEqualTo(62);
    }

    @Test
    void aSessionHealthyForAMinuteResetsTheFailureCount() {
        ReconnectPlanner p = planner(1);
        for (int i = 0; i < 6; i++) {
            p.afterFailure();
        }
        p.sessionOpened();
        ticker.advance(60, TimeUnit.SECONDS);
        Duration delay = p.afterSessionClosed();

        assertThat(delay).isLessThan(Duration.ofSeconds(1));
        assertThat(p.failures()).isEqualTo(1);
    }

    @Test
    void aShortLivedSessionDoesNotResetTheFailureCount() {
        ReconnectPlanner p = planner(1);
        for (int i = 0; i < 6; i++) {
            p.afterFailure();
        }
        p.sessionOpened();
        ticker.advance(59, TimeUnit.SECONDS);
        p.afterSessionClosed();
        assertThat(p.failures()).isEqualTo(7);
    }

    @Test
    void retryAfterIsHonouredWithAtMostTheDrainJitterOnTop() {
        for (long seed = 0; seed < 50; seed++) {
            Duration delay = planner(seed).afterRejection(Duration.ofSeconds(12));
            assertThat(delay).isBetween(Duration.ofSeconds(12), Duration.ofSeconds(13));
        }
        ReconnectPlanner p = planner(3);
        p.afterRejection(Duration.ofSeconds(12));
        assertThat(p.failures()).as("a rejection counts as a failure").isEqualTo(1);
        assertThat(p.afterRejection(null)).as("no Retry-After: plain backoff").isLessThan(Duration.ofSeconds(2));
    }

    @Test
    void drainingGoAwayReconnectsWithinTheDrainJitter() {
        for (long seed = 0; seed < 50; seed++) {
            ReconnectPlanner p = planner(seed);
            for (int i = 0; i < 5; i++) {
                p.afterFailure();
            }
            p.sessionOpened();
            assertThat(p.afterDrain()).isBetween(Duration.ZERO, Duration.ofMillis(999));
        }
    }

    @Test
    void seededRandomGivesReproducibleDelays() {
        assertThat(new ReconnectPlanner(DEFAULT, HEALTHY_AFTER, DRAIN_JITTER, new Random(42), ticker).afterFailure())
                .isEqualTo(new ReconnectPlanner(DEFAULT, HEALTHY_AFTER, DRAIN_JITTER, new Random(42), ticker).afterFailure());
    }

    @Test
    void aPinnedRandomPinsEveryDelay() {
        ReconnectPlanner top = new ReconnectPlanner(DEFAULT, HEALTHY_AFTER, DRAIN_JITTER,
                FixedRandom.of(FixedRandom.TOP), ticker);
        assertThat(top.afterFailure()).as("the base, just below").isEqualTo(Duration.ofSeconds(1).minusNanos(1));
        ticker.advance(3, TimeUnit.SECONDS);
        assertThat(top.afterFailure()).as("2 s ceiling (6 s of outage bound it less)")
                .isEqualTo(Duration.ofSeconds(2).minusNanos(1));
        assertThat(top.afterRejection(Duration.ofSeconds(5))).as("Retry-After plus the whole drain jitter")
                .isEqualTo(Duration.ofSeconds(6).minusNanos(1));

        ReconnectPlanner half = new ReconnectPlanner(DEFAULT, HEALTHY_AFTER, DRAIN_JITTER, FixedRandom.of(0.5), ticker);
        half.sessionOpened();
        assertThat(half.afterDrain()).isEqualTo(Duration.ofMillis(500));
        ReconnectPlanner noSpread = new ReconnectPlanner(DEFAULT, HEALTHY_AFTER, Duration.ZERO, FixedRandom.unused(),
                ticker);
        assertThat(noSpread.afterDrain()).as("no drain jitter: nothing drawn").isZero();
    }
}
