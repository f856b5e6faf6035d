package io.codehub.hub.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import io.codehub.base.FixedRandom;
import io.codehub.runtime.BackendUnavailableException;
import io.codehub.runtime.NotFoundException;
import io.codehub.runtime.ProblemType;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/** The retry of idempotent calls on virtual time, with the jitter pinned. */
class RemoteCallPolicyTest {

    private static final Duration VERIFY = Duration.ofSeconds(5);

    private final AtomicInteger attempts = new AtomicInteger();

    private Mono<String> failing(RuntimeException failure) {
        return Mono.defer(() -> {
            attempts.incrementAndGet();
            return Mono.error(failure);
        });
    }

    @Test
    void retriesWaitThePolicysBackoffAndGiveUpWithTheLastFailure() {
        // 200 ms doubling to 5 s, ±50 %, the random pinned at the middle: 250, 400, 800 ms
        RemoteCallPolicy policy = new RemoteCallPolicy(Duration.ofSeconds(5), 3, Duration.ofMillis(200),
                Duration.ofSeconds(5), FixedRandom.of(0.5));
        BackendUnavailableException down = new BackendUnavailableException("agent a-1 cannot be reached", null);

        StepVerifier.withVirtualTime(() -> failing(down).retryWhen(policy.retry(true)))
                .expectSubscription()
                .then(() -> assertThat(attempts).hasValue(1))
                .thenAwait(Duration.ofMillis(249))
                .then(() -> assertThat(attempts).as("the first retry waits 250 ms").hasValue(1))
                .thenAwait(Duration.ofMillis(1))
                .then(() -> assertThat(attempts).hasValue(2))
                .thenAwait(Duration.ofMillis(399))
                .then(() -> assertThat(attempts).as("the second 400 ms").hasValue(2))
                .thenAwait(Duration.ofMillis(1))
                .then(() -> assertThat(attempts).hasValue(3))
                .thenAwait(Duration.ofMillis(799))
                .then(() -> assertThat(attempts).as("the third 800 ms").hasValue(3))
                .thenAwait(Duration.ofMillis(1))
                .expectErrorSatisfies(e -> assertThat(e).isSameAs(down))
                .verify(VERIFY);
        assertThat(attempts).as("the first attempt and maxRetries retries").hasValue(4);
    }

    @Test
    void aStatedProblemIsNotRetried() {
        RemoteCallPolicy policy = new RemoteCallPolicy(Duration.ofSeconds(5), 3, Duration.ofMillis(200),
                Duration.ofSeconds(5), FixedRandom.unused());
        NotFoundException missing = new NotFoundException(ProblemType.INSTANCE_NOT_FOUND, "no instance ws1");

        StepVerifier.withVirtualTime(() -> failing(missing).retryWhen(policy.retry(true)))
                .expectErrorSatisfies(e -> assertThat(e).isSameAs(missing))
                .verify(VERIFY);
        assertThat(attempts).hasValue(1);
    }

    @Test
    void aLongestDelayBelowTheFirstIsRefused() {
        assertThatThrownBy(() -> new RemoteCallPolicy(Duration.ofSeconds(5), 3, Duration.ofSeconds(2),
                Duration.ofSeconds(1))).hasMessage("cap: PT1S (expected: >= base PT2S)");
    }
}
