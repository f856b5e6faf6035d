package io.codehub.hub.access;

import java.time.Duration;

import io.codehub.hub.schedule.Periodic;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import reactor.core.Disposable;
import reactor.core.Disposables;

/**
 * Deletes expired access codes every {@code interval} ({@link AccessCodes#deleteExpired()}), from
 * the application's start to its stop. Each hub sweeps; the sweeps are idempotent, so several
 * hubs on one database only share the work. A sweep that fails (database away) is logged and the
 * next one tries again; sweeps never overlap.
 */
public final class AccessCodeSweeper implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(AccessCodeSweeper.class);

    private final AccessCodes codes;
    private final Duration interval;
    private volatile Disposable sweeping = Disposables.disposed();
    private volatile boolean running;

    public AccessCodeSweeper(AccessCodes codes, Duration interval) {
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("interval: " + interval + " (expected: > 0)");
        }
        this.codes = codes;
        this.interval = interval;
    }

    @Override
    public void start() {
        running = true;
        sweeping = Periodic.every(interval, interval, () -> codes.deleteExpired().doOnNext(deleted -> {
            if (deleted > 0) {
                log.debug("deleted {} expired access code(s)", deleted);
            }
        }), e -> log.warn("expired access codes could not be deleted (next try in {}): {}", interval, e.toString()));
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
