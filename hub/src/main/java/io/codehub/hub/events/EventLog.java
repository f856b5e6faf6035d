package io.codehub.hub.events;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.util.concurrent.Queues;

/**
 * The hub's event history: records events in the database, in the order they were published, and
 * hands each stored event to live subscribers.
 *
 * <h2>Recording never hurts the cause</h2>
 * {@link #publish} only queues the event (a bounded queue: when it is full the event is dropped and
 * counted, {@link #dropped()}), so it never blocks and never fails; it is safe on a Netty event loop.
 * One writer takes the queue in order and inserts what has queued up, up to {@value #BATCH} events
 * in multi-row statements, one for a full batch (a fleet connecting at once publishes two events
 * per agent: a commit per event fell behind, and events were dropped from the full queue; a
 * restarted hub's 10,000 reconnections took 10,000 statements in batches, now about 40); a failed
 * write is logged and its events are lost, the operation that caused them is not. Because there is
 * one writer, ids increase in the order events were published, and live subscribers see them in id
 * order.
 *
 * <h2>Live subscribers</h2>
 * {@link #live} gives each subscriber its own buffer of {@code subscriberBuffer} events. A
 * subscriber that falls that far behind fails with {@link SlowSubscriberException} instead of
 * making the hub hold more: it resumes from the history with the last id it saw.
 * {@link #stream} does that resumption without a gap or a duplicate: it attaches to the live events
 * first, then replays the history after the given id, then passes on only live events above the
 * last replayed id.
 *
 * <h2>Several hubs</h2>
 * Live events are this hub's. Once hubs share a database, a stream will poll the history by id
 * (the replay of {@link #stream} is that poll) instead of trusting the live feed alone.
 */
public final class EventLog implements EventPublisher, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EventLog.class);
    /** Events read from the history per query while replaying. */
    static final int REPLAY_PAGE = 500;
    private static final Duration WRITE_TIMEOUT = Duration.ofSeconds(30);
    /** Events written in one transaction at most. */
    static final int BATCH = 256;
    /** How long the writer waits for more events to join a batch (a live subscriber sees them that much later). */
    private static final Duration BATCH_WAIT = Duration.ofMillis(10);

    private final EventRepository repository;
    private final Clock clock;
    private final int subscriberBuffer;
    private final Sinks.Many<Pending> queue;
    private final Sinks.Many<Event> stored = Sinks.many().multicast().directBestEffort();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final Scheduler writing = Schedulers.newSingle("codehub-events");
    private final Disposable writer;

    /**
     * @param queueCapacity    events that may wait to be written
     * @param subscriberBuffer live events held for one subscriber before it is dropped
     */
    public EventLog(EventRepository repository, Clock clock, int queueCapacity, int subscriberBuffer) {
        this.repository = repository;
        this.clock = clock;
        this.subscriberBuffer = subscriberBuffer;
        this.queue = Sinks.many().unicast().onBackpressureBuffer(Queues.<Pending>get(queueCapacity).get());
        // publishOn: the publisher's thread (maybe an event loop) only queues; the writer runs on its own
        // fairBackpressure: a batch waits while the previous one is written (without it, the timer's
        // flush overflows the busy writer and kills it).
        this.writer = queue.asFlux().publishOn(writing, BATCH).bufferTimeout(BATCH, BATCH_WAIT, writing, true)
                .concatMap(this::write, 1)
                .subscribe(null, e -> log.error("the event writer stopped; events are no longer recorded: {}", e.toString(), e));
    }

    /**
     * Records {@code event} as happening now, later: queued, written in publication order, then
     * given to live subscribers. Never blocks, never fails (a full queue or a failed write is logged).
     */
    @Override
    public void publish(NewEvent event) {
        enqueue(new Pending(event, now(), null));
    }

    /**
     * Records {@code event} as {@link #publish} does, and completes with it as stored, or fails when
     * it could not be queued or written. For callers that must know its id (and tests).
     */
    public Mono<Event> append(NewEvent event) {
        return Mono.defer(() -> {
            Sinks.One<Event> result = Sinks.one();
            if (!enqueue(new Pending(event, now(), result))) {
                return Mono.error(new IllegalStateException("the event queue is full; " + event.type().wire()
                        + " was dropped"));
            }
            return result.asMono();
        });
    }

    /**
     * Stored events from now on, in id order, each subscriber with its own bounded buffer; one that
     * falls {@code subscriberBuffer} events behind fails with {@link SlowSubscriberException}.
     */
    public Flux<Event> live() {
        return Flux.defer(() -> {
            LiveBuffer buffer = attach();
            return buffer.events().doFinally(signal -> buffer.detach());
        });
    }

    /**
     * The events passing {@code filter}: first those stored after id {@code afterId} (none when it
     * is null), then live ones; in id order, each once, with no gap between the two.
     */
    public Flux<Event> stream(@Nullable Long afterId, EventFilter filter) {
        return Flux.defer(() -> {
            LiveBuffer buffer = attach(); // first: whatever is stored from here on is buffered
            AtomicLong last = new AtomicLong(afterId == null ? 0 : afterId);
            Flux<Event> replay = afterId == null ? Flux.empty()
                    : replay(afterId, filter).doOnNext(event -> last.set(event.id()));
            Flux<Event> then = buffer.events().filter(event -> event.id() > last.get() && filter.matches(event));
            return Flux.concat(replay, then).doFinally(signal -> buffer.detach());
        });
    }

    /** The newest events passing {@code filter}, at or after {@code since}, below id {@code before}; newest first. */
    public Mono<List<Event>> newest(EventFilter filter, @Nullable Instant since, @Nullable Long before, int limit) {
        return repository.newest(filter, since, before, limit).collectList();
    }

    /** Events dropped because the queue was full, since start. */
    public long dropped() {
        return dropped.get();
    }

    /** Events whose write failed, since start. */
    public long failed() {
        return failed.get();
    }

    /** Stops writing; events still queued are lost. */
    @Override
    public void close() {
        queue.tryEmitComplete();
        writer.dispose();
        writing.dispose();
        stored.tryEmitComplete();
    }

    private Flux<Event> replay(long afterId, EventFilter filter) {
        return repository.after(afterId, filter, REPLAY_PAGE).collectList()
                .expand(page -> page.size() < REPLAY_PAGE ? Mono.empty()
                        : repository.after(page.get(page.size() - 1).id(), filter, REPLAY_PAGE).collectList())
                .concatMapIterable(page -> page);
    }

    private boolean enqueue(Pending pending) {
        Sinks.EmitResult result;
        synchronized (queue) { // many publishers, one queue: emissions must not overlap
            try {
                result = queue.tryEmitNext(pending);
            } catch (RuntimeException e) { // never into the publisher's operation
                result = Sinks.EmitResult.FAIL_TERMINATED;
            }
        }
        if (result.isFailure()) {
            long count = dropped.incrementAndGet();
            if (count == 1 || count % 1000 == 0) {
                log.warn("event queue full or closed ({}): {} event(s) dropped so far, last {} of agent {} workspace {}",
                        result, count, pending.event().type().wire(), pending.event().agentId(),
                        pending.event().workspaceId());
            }
            return false;
        }
        return true;
    }

    private Mono<Void> write(List<Pending> batch) {
        return repository.insertAll(batch.stream().map(Pending::event).toList(), batch.stream().map(Pending::at).toList())
                .timeout(WRITE_TIMEOUT)
                .collectList()
                .doOnNext(events -> {
                    for (int i = 0; i < events.size(); i++) {
                        Event event = events.get(i);
                        stored.tryEmitNext(event); // one writer: emissions never overlap
                        Sinks.One<Event> result = batch.get(i).result();
                        if (result != null) {
                            result.tryEmitValue(event);
                        }
                    }
                })
                .onErrorResume(e -> {
                    failed.addAndGet(batch.size());
                    Pending first = batch.get(0);
                    log.warn("{} event(s) could not be recorded, the first {} of agent {} workspace {}: {}", batch.size(),
                            first.event().type().wire(), first.event().agentId(), first.event().workspaceId(), e.toString());
                    for (Pending pending : batch) {
                        if (pending.result() != null) {
                            pending.result().tryEmitError(e);
                        }
                    }
                    return Mono.empty();
                })
                .then();
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS); // what the database keeps
    }

    /** One subscriber's bounded share of the live events, attached at once. */
    private LiveBuffer attach() {
        Sinks.Many<Event> own = Sinks.many().unicast().onBackpressureBuffer(Queues.<Event>get(subscriberBuffer).get());
        Disposable subscription = stored.asFlux().subscribe(event -> {
            if (own.tryEmitNext(event).isFailure()) {
                own.tryEmitError(new SlowSubscriberException(subscriberBuffer, event.id()));
            }
        }, own::tryEmitError, own::tryEmitComplete);
        return new LiveBuffer(own, subscription);
    }

    private record LiveBuffer(Sinks.Many<Event> sink, Disposable subscription) {
        Flux<Event> events() {
            return sink.asFlux();
        }

        void detach() {
            subscription.dispose();
        }
    }

    private record Pending(NewEvent event, Instant at, Sinks.@Nullable One<Event> result) {
    }

    /** A live subscriber fell too far behind; it should resume from the history. */
    public static final class SlowSubscriberException extends RuntimeException {

        private static final long serialVersionUID = 1L;

        SlowSubscriberException(int buffer, long eventId) {
            super("the subscriber fell " + buffer + " events behind at event " + eventId
                    + "; resume with Last-Event-ID");
        }
    }
}
