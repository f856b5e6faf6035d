package io.codehub.hub.events;

import java.time.Clock;
import java.time.Duration;

import io.codehub.hub.schedule.Periodic;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Mono;

/**
 * Enforces the retention of the event history: every {@code interval} it deletes at most
 * {@code maxRows} of the events older than {@code retention} (a backlog goes in several sweeps, so no
 * sweep holds the database long). Each hub sweeps; sweeps are idempotent, so hubs on one database
 * only share the work. A failed sweep is logged and the next one tries again; sweeps never overlap.
 */
public final class EventSweeper implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(EventSweeper.class);

    private final EventRepository events;
    private final Duration retention;
    private final Duration interval;
    private final int maxRows;
    private final Clock clock;
    private volatile Disposable sweeping = Disposables.disposed();
    private volatile boolean running;

    public EventSweeper(EventRepository events, Duration retention, Duration interval, int maxRows, Clock clock) {
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("interval: " + interval + " (expected: > 0)");
        }
        this.events = events;
        this.retention = retention;
        this.interval = interval;
        this.maxRows = maxRows;
        this.clock = clock;
    }

    /** One sweep now; completes with how many events it deleted. */
    public Mono<Long> sweep() {
        return events.deleteBefore(clock.instant().minus(retention), maxRows);
    }

    @Override
    public void start() {
        running = true;
        sweeping = Periodic.every(interval, interval, () -> sweep().doOnNext(deleted -> {
            if (deleted > 0) {
                log.debug("deleted {} event(s) older than {}", deleted, retention);
            }
        }), e -> log.warn("old events could not be deleted (next try in {}): {}", interval, e.toString()));
    }

    @Override
    public void stop() {
        running = false;
        sweeping.dispose();
    }

    @Override
    public boolean isRunning() {
        return running;
    }
}
