package io.codehub.hub.schedule;

import java.time.Duration;
import java.util.function.Consumer;
import java.util.function.Supplier;

import org.reactivestreams.Publisher;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Work run every {@code interval} until disposed: never two runs at once (a tick that comes while
 * the last run still goes is dropped), and a run that fails is handed to {@code onFailure} while the
 * next tick tries again. The hub's sweeps, database counts and samples all run this way.
 */
public final class Periodic {

    private Periodic() {
    }

    /**
     * Starts running {@code run} after {@code initialDelay}, then every {@code interval}, on the
     * parallel scheduler; dispose the answer to stop.
     */
    public static Disposable every(Duration initialDelay, Duration interval, Supplier<? extends Publisher<?>> run,
            Consumer<Throwable> onFailure) {
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("interval: " + interval + " (expected: > 0)");
        }
        return Flux.interval(initialDelay, interval, Schedulers.parallel())
                .onBackpressureDrop()
                .concatMap(tick -> Flux.from(run.get()).then().onErrorResume(e -> {
                    onFailure.accept(e);
                    return Mono.empty();
                }), 0)
                .subscribe();
    }
}
