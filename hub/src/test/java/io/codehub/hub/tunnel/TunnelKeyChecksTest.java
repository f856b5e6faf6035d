package io.codehub.hub.tunnel;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

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
                }, wait -> "busy").subscribe();
            }
            StepVerifier.create(checks.run(on -> {
                started.incrementAndGet();
                return Mono.just("ran");
            }, wait -> "busy")).expectNext("busy").verifyComplete();
            assertThat(started).hasValue(3);
            assertThat(checks.refused()).isEqualTo(1);

            hold.tryEmitValue("done");
            StepVerifier.create(checks.run(on -> Mono.just("ran"), wait -> "busy"))
                    .expectNext("ran").verifyComplete();
        }
    }

    @Test
    void theCheckRunsOnTheBudgetsOwnThreads() {
        try (TunnelKeyChecks checks = new TunnelKeyChecks(1, 0)) {
            StepVerifier.create(checks.run(on -> Mono.fromCallable(() -> Thread.currentThread().getName()).subscribeOn(on),
                            wait -> "busy"))
                    .assertNext(name -> assertThat(name).startsWith(TunnelKeyChecks.THREAD_PREFIX))
                    .verifyComplete();
            StepVerifier.create(checks.run(on -> Mono.empty(), wait -> "busy")).expectComplete()
                    .verify(Duration.ofSeconds(5));
        }
    }

    @Test
    void aCheckThatWouldWaitPastMaxWaitIsToldWhenToComeBackWithoutRunning() {
        AtomicLong now = new AtomicLong();
        try (TunnelKeyChecks checks = new TunnelKeyChecks(1, 100, Duration.ofSeconds(1), now::get)) {
            // a check takes 100 ms on the thread
            StepVerifier.create(checks.timed(() -> now.addAndGet(100_000_000L))).expectNextCount(1).verifyComplete();
            assertThat(checks.expectedWaitNanos(8)).isEqualTo(800_000_000L);
            AtomicInteger started = new AtomicInteger();
            for (int i = 0; i < 11; i++) { // up to 10 ahead: waits of at most 1.0 s are admitted
                checks.run(on -> {
                    started.incrementAndGet();
                    return Sinks.<String>one().asMono();
                }, wait -> "busy " + wait).subscribe();
            }
            assertThat(started).hasValue(11);
            StepVerifier.create(checks.run(on -> Mono.just("ran"), wait -> "busy " + wait)) // 11 ahead: 1.1 s
                    .expectNext("busy " + TunnelKeyChecks.MIN_RETRY_AFTER).verifyComplete();
            assertThat(checks.refusal()).as("asked before the key's row is read").isEqualTo(TunnelKeyChecks.MIN_RETRY_AFTER);
            assertThat(checks.refused()).isEqualTo(2);
        }
        try (TunnelKeyChecks slow = new TunnelKeyChecks(1, 100, Duration.ofSeconds(1), now::get)) {
            StepVerifier.create(slow.timed(() -> now.addAndGet(40_000_000_000L))).expectNextCount(1).verifyComplete();
            slow.run(on -> Sinks.<String>one().asMono(), wait -> "busy").subscribe();
            slow.run(on -> Sinks.<String>one().asMono(), wait -> "busy").subscribe();
            // 40 s a check: the second one waiting would wait 40 s; told to come back no later than the cap
            StepVerifier.create(slow.run(on -> Mono.just("ran"), wait -> "busy " + wait))
                    .expectNext("busy " + TunnelKeyChecks.MAX_RETRY_AFTER).verifyComplete();
        }
    }
}
