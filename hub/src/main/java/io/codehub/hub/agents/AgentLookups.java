package io.codehub.hub.agents;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import io.codehub.hub.db.Batches;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * Reads agents' rows by id for tunnel handshakes, many in one statement while many arrive: a fleet
 * reconnecting after a hub restart presents hundreds of resumption tickets a second, and each needs
 * its agent's row (its key's fingerprint, status, endpoint). One read runs at a time; the ids asked
 * for while it runs are read together next, up to {@value #MAX_BATCH} ({@link Batches}). A lone
 * lookup is one statement, as {@link AgentRepository#findById} is, and every answer is read from the
 * database after it was asked for: no cache, nothing stale.
 */
public final class AgentLookups {

    /** Ids read by one statement at most. */
    static final int MAX_BATCH = 500;

    private record Lookup(String id, Sinks.One<Agent> result) {
    }

    private final Batches<Lookup> batches;

    public AgentLookups(AgentRepository agents) {
        this(agents::findAllById);
    }

    /** @param read reads the rows of some ids (those it finds) */
    AgentLookups(Function<List<String>, Flux<Agent>> read) {
        this.batches = new Batches<>("reading agents", MAX_BATCH, batch -> read
                .apply(batch.stream().map(Lookup::id).distinct().toList())
                .collectList()
                .doOnNext(found -> {
                    Map<String, Agent> byId = new HashMap<>(found.size() * 2);
                    found.forEach(agent -> byId.put(agent.id(), agent));
                    for (Lookup lookup : batch) {
                        Agent agent = byId.get(lookup.id());
                        if (agent == null) {
                            lookup.result().tryEmitEmpty();
                        } else {
                            lookup.result().tryEmitValue(agent);
                        }
                    }
                })
                .doOnError(e -> batch.forEach(lookup -> lookup.result().tryEmitError(e)))
                .onErrorComplete());
    }

    /** The agent {@code id}, or empty when none is registered; read with the next batch. */
    public Mono<Agent> find(String id) {
        return Mono.defer(() -> {
            Sinks.One<Agent> result = Sinks.one();
            batches.add(new Lookup(id, result));
            return result.asMono();
        });
    }
}
