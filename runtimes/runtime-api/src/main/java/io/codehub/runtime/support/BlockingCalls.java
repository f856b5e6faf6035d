package io.codehub.runtime.support;

import java.util.concurrent.Callable;
import java.util.function.Consumer;
import java.util.function.Function;

import io.codehub.runtime.BackendFailureException;
import io.codehub.runtime.RuntimeProblemException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The one way a runtime talks to a blocking backend client ({@code C}): every call runs on a
 * bounded scheduler of {@code maxConcurrentCalls} threads (and at most {@value #MAX_QUEUED_CALLS}
 * queued), never on the caller's thread, and fails with an SPI problem exception, never one of the
 * client library's. Timeouts are the client's own (each runtime configures its client with its
 * {@code callTimeout}); a full queue fails the call with a {@link java.util.concurrent.RejectedExecutionException},
 * which {@link #translate} maps like any other error.
 *
 * <p>For {@code Runtime} implementations: a subclass builds the client, maps the library's
 * exceptions in {@link #translate(Throwable, String, String)} and closes the client in
 * {@link #closeClient()}.
 *
 * @param <C> the backend client type
 */
public abstract class BlockingCalls<C> implements AutoCloseable {

    /** The largest {@code maxConcurrentCalls} a runtime accepts. */
    public static final int MAX_CONCURRENT_CALLS = 1024;
    private static final int MAX_QUEUED_CALLS = 10_000;
    private static final Logger log = LoggerFactory.getLogger(BlockingCalls.class);

    private final C client;
    private final Scheduler scheduler;

    /**
     * @param client             the blocking client every call is given
     * @param threadPrefix       the name prefix of the scheduler's threads, e.g. {@code codehub-docker}
     * @param maxConcurrentCalls how many calls may block at once: the scheduler's thread cap
     */
    protected BlockingCalls(C client, String threadPrefix, int maxConcurrentCalls) {
        this.client = client;
        this.scheduler = Schedulers.newBoundedElastic(maxConcurrentCalls, MAX_QUEUED_CALLS, threadPrefix, 60, true);
    }

    /** The client; use it directly only for what must not run on the bounded scheduler. */
    public final C client() {
        return client;
    }

    /** The bounded scheduler calls run on. */
    public final Scheduler scheduler() {
        return scheduler;
    }

    /** {@code body}'s result, computed on the bounded scheduler; a {@code null} result completes empty. */
    public final <T> Mono<T> call(String operation, String resource, Function<C, T> body) {
        return Mono.fromCallable(() -> body.apply(client))
                .subscribeOn(scheduler)
                .onErrorMap(error -> problem(error, operation, resource));
    }

    /** Runs {@code body} on the bounded scheduler. */
    public final Mono<Void> run(String operation, String resource, Consumer<C> body) {
        return Mono.<Void>fromRunnable(() -> body.accept(client))
                .subscribeOn(scheduler)
                .onErrorMap(error -> problem(error, operation, resource));
    }

    /** Blocking work that is not a backend call (reading files, say), on the same bounded scheduler. */
    public final <T> Mono<T> blocking(Callable<T> body) {
        return Mono.fromCallable(body).subscribeOn(scheduler);
    }

    /**
     * {@code error} translated, and logged: unexpected backend errors warn; an unreachable backend is
     * reported to the caller and by {@code health()}, so it is not logged once per call. Stack traces
     * only at debug.
     */
    public final RuntimeProblemException problem(Throwable error, String operation, String resource) {
        RuntimeProblemException problem = translate(error, operation, resource);
        if (problem instanceof BackendFailureException) {
            log.warn("{}", problem.detail());
        }
        if (problem != error) {
            log.debug("{} {} failed", operation, resource, error);
        }
        return problem;
    }

    /**
     * The problem exception for {@code error}, raised while doing {@code operation} on
     * {@code resource}; a {@link RuntimeProblemException} is returned as it is.
     */
    protected abstract RuntimeProblemException translate(Throwable error, String operation, String resource);

    /** Closes the client, after the scheduler has stopped. */
    protected abstract void closeClient();

    /** Stops the scheduler, then closes the client. */
    @Override
    public void close() {
        scheduler.dispose();
        closeClient();
    }
}
