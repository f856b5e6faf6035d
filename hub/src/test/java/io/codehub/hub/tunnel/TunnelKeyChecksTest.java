package io.codehub.hub.tunnel;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;

class TunnelKeyChecksTest {

    @Test
    void checksBeyondThreadsPlusQueueAreRefusedWithoutRunning() {
        try (TunnelKeyChecks checks = new TunnelKeyChecks(1, 2)) {
            Sinks.One<String> hold = Sinks.one();
            AtomicInteger started = new AtomicInteger();
            for (int i = 0; i < 3; i++) {
                checks.run(on -> {
                    started.incrementAndGet();
                    return hold.asMono();
                }, () -> "busy").subscribe();
            }
            StepVerifier.create(checks.run(on -> {
                started.incrementAndGet();
                return Mono.just("ran");
            }, () -> "busy")).expectNext("busy").verifyComplete();
            assertThat(started).hasValue(3);
            assertThat(checks.refused()).isEqualTo(1);

            hold.tryEmitValue("done");
            StepVerifier.create(checks.run(on -> Mono.just("ran"), () -> "busy"))
                    .expectNext("ran").verifyComplete();
        }
    }

    @Test
    void theCheckRunsOnTheBudgetsOwnThreads() {
        try (TunnelKeyChecks checks = new TunnelKeyChecks(1, 0)) {
            StepVerifier.create(checks.run(on -> Mono.fromCallable(() -> Thread.currentThread().getName()).subscribeOn(on),
                            () -> "busy"))
                    .assertNext(name -> assertThat(name).startsWith(TunnelKeyChecks.THREAD_PREFIX))
                    .verifyComplete();
            StepVerifier.create(checks.run(on -> Mono.empty(), () -> "busy")).expectComplete()
                    .verify(Duration.ofSeconds(5));
        }
    }
}
