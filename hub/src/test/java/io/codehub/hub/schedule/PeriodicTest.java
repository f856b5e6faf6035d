package io.codehub.hub.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;

/** Periodic work: runs again after a failure, never overlaps itself, stops when disposed. */
@Timeout(30)
class PeriodicTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @Test
    void aFailedRunIsReportedAndTheNextTickRunsAgain() {
        AtomicInteger runs = new AtomicInteger();
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        Disposable work = Periodic.every(Duration.ZERO, Duration.ofMillis(10), () -> runs.incrementAndGet() == 1
                ? Mono.error(new IllegalStateException("database away")) : Mono.empty(), failures::add);
        try {
            await().atMost(WAIT).until(() -> runs.get() >= 3);
            assertThat(failures).singleElement().extracting(Throwable::getMessage).isEqualTo("database away");
        } finally {
            work.dispose();
        }
        int stopped = runs.get();
        await().during(Duration.ofMillis(100)).atMost(WAIT).until(() -> runs.get() == stopped);
    }

    @Test
    void aSlowRunIsNeverOverlappedByTheNextTick() {
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        AtomicInteger runs = new AtomicInteger();
        Disposable work = Periodic.every(Duration.ZERO, Duration.ofMillis(5), () -> Mono.fromRunnable(() -> {
            most.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            runs.incrementAndGet();
        }).then(Mono.delay(Duration.ofMillis(50))).then(Mono.<Void>fromRunnable(inFlight::decrementAndGet)), e -> { });
        try {
            await().atMost(WAIT).until(() -> runs.get() >= 4);
            assertThat(most.get()).isEqualTo(1);
        } finally {
            work.dispose();
        }
    }

    @Test
    void anIntervalMustBePositive() {
        assertThatThrownBy(() -> Periodic.every(Duration.ZERO, Duration.ZERO, Mono::empty, e -> { }))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("interval");
    }
}
