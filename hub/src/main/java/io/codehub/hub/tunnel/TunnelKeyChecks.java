package io.codehub.hub.tunnel;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Supplier;

import io.codehub.base.Checks;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The bcrypt budget of the tunnel port: API keys presented in handshakes and certificate
 * enrolments are checked on {@code threads} threads of their own, with at most {@code queue} more
 * checks waiting; a check beyond that is not started and the caller answers 503 with
 * {@link #RETRY_AFTER}. So a flood of well-formed wrong keys for a registered agent, from however
 * many addresses (each already held to the failed-authentication budget), costs the hub at most
 * {@code threads} cores, leaves the rest to the API, the tunnels and the event loops, and queues
 * nothing it could not finish well within a handshake timeout.
 *
 * <p>Admin key issuing (registration, rotation) keeps the registry's own scheduler.
 */
public final class TunnelKeyChecks implements AutoCloseable {

    /** Retry-After of the 503 a check over the budget gets. */
    static final Duration RETRY_AFTER = Duration.ofSeconds(2);
    /** The threads' name prefix (tests measure their CPU by it). */
    public static final String THREAD_PREFIX = "codehub-tunnel-key-checks";

    private final int capacity;
    private final Scheduler scheduler;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicLong refused = new AtomicLong();

    /**
     * @param threads concurrent bcrypt checks at most
     * @param queue   checks that may wait for a thread
     */
    public TunnelKeyChecks(int threads, int queue) {
        Checks.positive("threads", threads);
        Checks.notNegative("queue", queue);
        this.capacity = threads + queue;
        this.scheduler = Schedulers.newBoundedElastic(threads, Math.max(1, queue), THREAD_PREFIX);
    }

    /**
     * Runs {@code check} (which does its bcrypt on the scheduler it is given) when the budget has
     * room, else gives {@code busy} without running it.
     */
    <T> Mono<T> run(Function<Scheduler, Mono<T>> check, Supplier<T> busy) {
        return Mono.defer(() -> {
            if (inFlight.incrementAndGet() > capacity) {
                inFlight.decrementAndGet();
                refused.incrementAndGet();
                return Mono.fromSupplier(busy);
            }
            return check.apply(scheduler).doFinally(signal -> inFlight.decrementAndGet());
        });
    }

    /** Checks refused because the budget was full. */
    public long refused() {
        return refused.get();
    }

    @Override
    public void close() {
        scheduler.dispose();
    }
}
