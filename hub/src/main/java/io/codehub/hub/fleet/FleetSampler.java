package io.codehub.hub.fleet;

import java.time.Duration;

import io.codehub.hub.schedule.Periodic;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Mono;

/**
 * Takes a {@link FleetHistory} sample at start and every {@link FleetHistory#interval()} after, from
 * the application's start to its stop. A sample only reads the live sessions (no I/O), so it runs
 * on Reactor's parallel scheduler.
 */
public final class FleetSampler implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(FleetSampler.class);

    private final FleetHistory history;
    private volatile Disposable sampling = Disposables.disposed();
    private volatile boolean running;

    public FleetSampler(FleetHistory history) {
        this.history = history;
    }

    @Override
    public void start() {
        running = true;
        sampling = Periodic.every(Duration.ZERO, history.interval(), () -> Mono.fromRunnable(history::sample),
                e -> log.warn("the fleet history could not be sampled: {}", e.toString()));
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
