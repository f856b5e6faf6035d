package io.codehub.hub.fleet;

import java.time.Duration;

import org.springframework.context.SmartLifecycle;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;

/**
 * Takes a {@link FleetHistory} sample at start and every {@link FleetHistory#interval()} after, from
 * the application's start to its stop. A sample only reads the live sessions (no I/O), so it runs
 * on Reactor's parallel scheduler.
 */
public final class FleetSampler implements SmartLifecycle {

    private final FleetHistory history;
    private volatile Disposable sampling = Disposables.disposed();
    private volatile boolean running;

    public FleetSampler(FleetHistory history) {
        this.history = history;
    }

    @Override
    public void start() {
        running = true;
        sampling = Flux.interval(Duration.ZERO, history.interval(), Schedulers.parallel())
                .onBackpressureDrop()
                .subscribe(tick -> history.sample());
    }

    @Override
    public void stop() {
        running = false;
        sampling.dispose();
    }

    @Override
    public boolean isRunning() {
        return running;
    }
}
