package io.codehub.hub.tunnel;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;

import io.codehub.base.Backoff;
import io.codehub.hub.agents.AgentFacts;
import io.codehub.hub.agents.AgentRepository;
import io.codehub.hub.db.Batches;
import io.codehub.hub.schedule.BackoffRetry;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.transaction.reactive.TransactionalOperator;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * Writes the sessions that opened to the agents' rows, many in one transaction: what opened while
 * the last batch was being written goes in the next (up to {@value #MAX_BATCH}), in one statement
 * per kind of agent (same version and facts). A fleet reconnecting after a hub restart opens
 * hundreds of sessions a second; written one by one, each cost two statements and two commits and
 * held a connection of the pool the handshakes read agents with. One session alone is written at
 * once. A batch locks its rows in id order first (so two batches cannot deadlock each other, and
 * each agent's {@code pending} to {@code active} is reported exactly once); a batch that still
 * fails, in a deadlock with another multi-row write, is tried again.
 */
final class ConnectionWrites {

    /** Sessions written by one transaction at most. */
    static final int MAX_BATCH = 200;
    private static final int RETRIES = 2;
    /** Before a batch is written again: 100 ms doubling, ±50 %. */
    private static final Backoff RETRY_BACKOFF = Backoff.exponential(Duration.ofMillis(100), Duration.ofSeconds(1))
            .withProportionalJitter(0.5);

    private static final Logger log = LoggerFactory.getLogger(ConnectionWrites.class);

    /** A session that opened. */
    record Opened(String agentId, String sessionId, Instant at, @Nullable String agentVersion, AgentFacts facts) {
    }

    /** What a session said about its agent besides who it is. */
    private record Kind(@Nullable String agentVersion, AgentFacts facts) {
    }

    private final AgentRepository agents;
    private final TransactionalOperator tx;
    private final Batches<Opened> batches;
    private final RandomGenerator random;

    /**
     * @param tx        the transaction each batch runs in
     * @param activated told the id of each agent a batch made {@code active}, after it committed
     */
    ConnectionWrites(AgentRepository agents, TransactionalOperator tx, Scheduler writing,
            Consumer<String> activated, RandomGenerator random) {
        this.random = random;
        this.agents = agents;
        this.tx = tx;
        this.batches = new Batches<>("writing the connection", MAX_BATCH, batch -> write(batch).subscribeOn(writing)
                .doOnNext(activated)
                .doOnError(e -> log.warn("the connection of {} agent(s) (first {}, session {}) could not be recorded: {}",
                        batch.size(), batch.get(0).agentId(), batch.get(0).sessionId(), e.toString()))
                .onErrorComplete()
                .then());
    }

    /** Queues {@code opened}; written with the next batch. Any thread. */
    void add(Opened opened) {
        batches.add(opened);
    }

    /**
     * The batch in one transaction, its rows locked in id order first; a failed transaction (a
     * deadlock with another multi-row write, say) is tried again, twice at most. Emits the agents it
     * made {@code active}, once it committed.
     */
    private Flux<String> write(List<Opened> batch) {
        Map<String, Opened> last = new HashMap<>();
        batch.forEach(o -> last.put(o.agentId(), o)); // an agent's latest session in the batch says it all
        List<Opened> ordered = new ArrayList<>(last.values());
        ordered.sort(Comparator.comparing(Opened::agentId));
        Set<String> ids = new LinkedHashSet<>();
        ordered.forEach(o -> ids.add(o.agentId()));
        // One statement per kind of agent (version and facts): a fleet is a few kinds. Each row gets
        // the time of the latest session of its kind in the batch, at most one batch's wait late.
        Map<Kind, List<String>> byKind = new LinkedHashMap<>();
        Map<Kind, Instant> latest = new HashMap<>();
        for (Opened o : ordered) {
            Kind kind = new Kind(o.agentVersion(), o.facts());
            byKind.computeIfAbsent(kind, k -> new ArrayList<>()).add(o.agentId());
            latest.merge(kind, o.at(), (a, b) -> a.isAfter(b) ? a : b);
        }
        Mono<List<String>> writes = Mono.defer(() -> agents.lockForConnection(ids).collectList()
                .flatMap(pending -> Flux.fromIterable(byKind.entrySet())
                        .concatMap(e -> agents.recordConnected(e.getValue(), latest.get(e.getKey()),
                                e.getKey().agentVersion(), e.getKey().facts()))
                        .then(Mono.just(pending))));
        return tx.transactional(writes)
                .retryWhen(BackoffRetry.of(RETRY_BACKOFF, RETRIES, random)
                        .doBeforeRetry(r -> log.info("writing the connection of {} agent(s) failed, trying again: {}",
                                batch.size(), r.failure().toString())))
                .flatMapIterable(pending -> pending);
    }
}
