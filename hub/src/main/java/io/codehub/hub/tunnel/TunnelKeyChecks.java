package io.codehub.hub.tunnel;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.LongSupplier;

import io.codehub.base.Checks;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The bcrypt budget of the tunnel port: API keys presented in handshakes and certificate
 * enrolments are checked on {@code threads} threads of their own, with at most {@code queue} more
 * checks waiting; a check beyond that is not started and the caller answers 503 with a
 * Retry-After. So a flood of well-formed wrong keys for a registered agent, from however many
 * addresses (each already held to the failed-authentication budget), costs the hub at most
 * {@code threads} cores, leaves the rest to the API, the tunnels and the event loops, and queues
 * nothing it could not finish well within a handshake timeout.
 *
 * <h2>Thousands at once</h2>
 * When a fleet connects for the first time (a new hub, a new site), many more keys arrive than
 * the threads check in a handshake timeout. A check is admitted only while the wait it would have
 * (the checks ahead of it times the average time of a check on a thread, over the threads) is
 * at most {@code maxWait}; the others are answered at once with that wait as Retry-After (at least
 * {@link #MIN_RETRY_AFTER}, at most {@link #MAX_RETRY_AFTER}; agents add a second of jitter), so
 * they come back when the queue has room instead of waiting in it past their handshake timeout.
 *
 * <p>Admin key issuing (registration, rotation) keeps the registry's own scheduler.
 */
public final class TunnelKeyChecks implements AutoCloseable {

    /** The shortest Retry-After of a check over the budget. */
    static final Duration MIN_RETRY_AFTER = Duration.ofSeconds(2);
    /** The longest Retry-After of a check over the budget. */
    static final Duration MAX_RETRY_AFTER = Duration.ofSeconds(60);
    /** The threads' name prefix (tests measure their CPU by it). */
    public static final String THREAD_PREFIX = "codehub-tunnel-key-checks";

    private final int threads;
    private final int capacity;
    private final long maxWaitNanos;
    private final LongSupplier nanoTime;
    private final Scheduler scheduler;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicLong refused = new AtomicLong();
    /** How much a check moves the queue on average (its time on a thread, divided by the threads); 0 until measured. */
    private final AtomicLong gapNanos = new AtomicLong();

    /**
     * @param threads concurrent bcrypt checks at most
     * @param queue   checks that may wait for a thread
     */
    public TunnelKeyChecks(int threads, int queue) {
        this(threads, queue, Duration.ofSeconds(5), System::nanoTime);
    }

    /**
     * @param maxWait the longest wait for a thread a check is admitted to (half the handshake
     *                timeout: the rest is the check, the TLS handshake and the answer)
     */
    public TunnelKeyChecks(int threads, int queue, Duration maxWait, LongSupplier nanoTime) {
        Checks.positive("threads", threads);
        Checks.notNegative("queue", queue);
        this.threads = threads;
        this.capacity = threads + queue;
        this.maxWaitNanos = Checks.positive("maxWait", maxWait).toNanos();
        this.nanoTime = nanoTime;
        // The budget is the limit; the scheduler's own queue has room to spare: a check that has just
        // given its slot back may not have left the scheduler yet, and a rejected task would fail a handshake.
        this.scheduler = Schedulers.newBoundedElastic(threads, 2 * capacity, THREAD_PREFIX);
    }

    /**
     * Runs {@code check} (which does its bcrypt on the scheduler it is given) when the budget has
     * room, else gives {@code busy} of the Retry-After to answer, without running it.
     */
    <T> Mono<T> run(Function<Scheduler, Mono<T>> check, Function<Duration, T> busy) {
        return Mono.defer(() -> {
            int ahead = inFlight.incrementAndGet() - 1;
            long wait = expectedWaitNanos(ahead);
            if (full(ahead, wait)) {
                inFlight.decrementAndGet();
                Duration retryAfter = refuse(wait);
                return Mono.fromSupplier(() -> busy.apply(retryAfter));
            }
            return check.apply(scheduler).doFinally(signal -> inFlight.decrementAndGet());
        });
    }

    /**
     * The Retry-After a check asked for now would be refused with, counted as refused; null when it
     * would be admitted. Lets a caller refuse before the work that precedes the check (reading the
     * agent's row), which {@link #run} may still refuse.
     */
    @Nullable Duration refusal() {
        int ahead = inFlight.get();
        long wait = expectedWaitNanos(ahead);
        return full(ahead, wait) ? refuse(wait) : null;
    }

    /** Whether a check with {@code ahead} others in flight, waiting {@code waitNanos}, is over the budget. */
    private boolean full(int ahead, long waitNanos) {
        return ahead >= capacity || waitNanos > maxWaitNanos;
    }

    /** Counts a refusal and says when to come back: once the checks ahead now are done. */
    private Duration refuse(long waitNanos) {
        refused.incrementAndGet();
        return retryAfter(waitNanos + gapNanos.get());
    }

    /** How long a check with {@code ahead} others in flight would wait for a thread, as measured so far. */
    long expectedWaitNanos(int ahead) {
        return ahead < threads ? 0 : (ahead - threads + 1) * gapNanos.get();
    }

    /**
     * Runs {@code work} (a key check: bcrypt) on the budget's threads, timing it: the times measured
     * say how fast the queue moves, hence the wait a new check would have.
     */
    <T> Mono<T> timed(Callable<@Nullable T> work) {
        return Mono.<T>fromCallable(() -> {
            long start = nanoTime.getAsLong();
            try {
                return work.call();
            } finally {
                long took = Math.max(0, nanoTime.getAsLong() - start) / threads;
                gapNanos.updateAndGet(average -> average == 0 ? took : average + (took - average) / 8);
            }
        }).subscribeOn(scheduler);
    }

    private static Duration retryAfter(long waitNanos) {
        long seconds = (waitNanos + 999_999_999L) / 1_000_000_000L;
        return Duration.ofSeconds(Math.min(MAX_RETRY_AFTER.toSeconds(), Math.max(MIN_RETRY_AFTER.toSeconds(), seconds)));
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
