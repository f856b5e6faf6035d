package io.codehub.hub.db;

import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

import io.codehub.base.Checks;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

/**
 * Runs database work for many items in batches, one batch at a time: an item added while no batch
 * runs starts one at once (alone: no added wait), and what is added while a batch runs goes into
 * the next, up to {@code maxBatch} items. Under a storm (a fleet reconnecting after a hub restart:
 * hundreds of agents a second) each statement and commit so serves many items, and a pool
 * connection is held by one batch instead of by each item; at a trickle it is one statement per
 * item, as before.
 *
 * <p>Thread-safe; {@link #add} never blocks and may be called on event loops. The work of a batch
 * reports its items' outcomes itself (it is given them all): an error it lets through is logged, and
 * the next batch starts however the last one ended.
 *
 * @param <T> an item
 */
public final class Batches<T> {

    private static final Logger log = LoggerFactory.getLogger(Batches.class);

    private final String what;
    private final int maxBatch;
    private final Function<List<T>, Mono<?>> work;
    private final Queue<T> queue = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean running = new AtomicBoolean();

    /**
     * @param what     what a batch does, for the log ("agent reads")
     * @param maxBatch items in one batch at most
     * @param work     runs one batch; subscribed to once per batch, on the thread that started it
     */
    public Batches(String what, int maxBatch, Function<List<T>, Mono<?>> work) {
        this.what = what;
        this.maxBatch = Checks.positive("maxBatch", maxBatch);
        this.work = work;
    }

    /** Queues {@code item}; it goes in the batch that starts next. Any thread. */
    public void add(T item) {
        queue.add(item);
        drain();
    }

    private void drain() {
        if (!running.compareAndSet(false, true)) {
            return;
        }
        List<T> batch = new ArrayList<>();
        T next;
        while (batch.size() < maxBatch && (next = queue.poll()) != null) {
            batch.add(next);
        }
        if (batch.isEmpty()) {
            running.set(false);
            if (!queue.isEmpty()) {
                drain(); // added after the poll, before the flag was cleared
            }
            return;
        }
        Mono<?> run;
        try {
            run = work.apply(batch);
        } catch (RuntimeException e) {
            run = Mono.error(e);
        }
        // doFinally: the next batch is started however this one ends.
        run.doFinally(signal -> done()).subscribe(null, e ->
                log.warn("{} of {} item(s) failed: {}", what, batch.size(), e.toString()));
    }

    private void done() {
        running.set(false);
        if (!queue.isEmpty()) {
            drain();
        }
    }
}
