package io.codehub.hub.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.codehub.base.Backoff;
import io.codehub.base.FixedRandom;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;

class BackoffRetryTest {

    private static final Backoff ONE_TO_TEN = Backoff.exponential(Duration.ofSeconds(1), Duration.ofSeconds(10));

    @Test
    void waitsTheBackoffsDelayBeforeEachRetry() {
        List<Duration> attemptsAt = new ArrayList<>();
        StepVerifier.withVirtualTime(() -> failingTimes(3, attemptsAt).retryWhen(BackoffRetry.of(ONE_TO_TEN, 5,
                        FixedRandom.unused())))
                .expectSubscription()
                .thenAwait(Duration.ofSeconds(7))
                .expectNext("done")
                .expectComplete()
                .verify(Duration.ofSeconds(5));
        // 1 s, then 2 s, then 4 s between attempts: the exponential backoff's delays for retries 0, 1, 2
        assertThat(attemptsAt).containsExactly(Duration.ZERO, Duration.ofSeconds(1), Duration.ofSeconds(3),
                Duration.ofSeconds(7));
    }

    @Test
    void drawsTheJitterFromTheGivenRandom() {
        List<Duration> attemptsAt = new ArrayList<>();
        StepVerifier.withVirtualTime(() -> failingTimes(2, attemptsAt).retryWhen(BackoffRetry.of(
                        ONE_TO_TEN.withFullJitter(), 5, FixedRandom.of(0.5))))
                .expectSubscription()
                .thenAwait(Duration.ofSeconds(2))
                .expectNext("done")
                .expectComplete()
                .verify(Duration.ofSeconds(5));
        // full jitter at 0.5: half of each ceiling (1 s, 2 s)
        assertThat(attemptsAt).containsExactly(Duration.ZERO, Duration.ofMillis(500), Duration.ofMillis(1500));
    }

    @Test
    void failsWithTheLastErrorItselfOnceTheRetriesAreSpent() {
        List<Duration> attemptsAt = new ArrayList<>();
        StepVerifier.withVirtualTime(() -> failingTimes(10, attemptsAt).retryWhen(BackoffRetry.of(ONE_TO_TEN, 2,
                        FixedRandom.unused())))
                .expectSubscription()
                .thenAwait(Duration.ofSeconds(3))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(IllegalStateException.class)
                        .hasMessage("attempt 3 failed"))
                .verify(Duration.ofSeconds(5));
        assertThat(attemptsAt).hasSize(3);
    }

    @Test
    void refusesANegativeCount() {
        assertThatThrownBy(() -> BackoffRetry.of(ONE_TO_TEN, -1, FixedRandom.unused()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxRetries: -1");
    }

    /** Fails its first {@code failures} subscriptions, then emits "done"; records each subscription's virtual time. */
    private static Mono<String> failingTimes(int failures, List<Duration> attemptsAt) {
        AtomicInteger attempts = new AtomicInteger();
        return Mono.defer(() -> {
            attemptsAt.add(Duration.ofMillis(VirtualTimeScheduler.get().now(TimeUnit.MILLISECONDS)));
            int attempt = attempts.incrementAndGet();
            return attempt <= failures ? Mono.error(new IllegalStateException("attempt " + attempt + " failed"))
                    : Mono.just("done");
        });
    }
}
