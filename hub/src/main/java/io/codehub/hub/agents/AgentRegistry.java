package io.codehub.hub.agents;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

import io.codehub.hub.events.EventPublisher;
import io.codehub.hub.events.EventType;
import io.codehub.hub.events.NewEvent;
import io.codehub.hub.problem.HubProblemException;
import io.codehub.hub.problem.HubProblemType;
import io.codehub.hub.remote.AgentConnectors;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.transaction.reactive.TransactionalOperator;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * Registers agents and changes them: the service behind the agents API. Key hashing (bcrypt) runs
 * on a bounded scheduler, never on an event loop; every change is one transaction.
 */
public final class AgentRegistry {

    private static final Logger log = LoggerFactory.getLogger(AgentRegistry.class);
    private static final String TUNNEL_SCHEME = "tunnel";

    private final AgentRepository agents;
    private final PlacedWorkspaces workspaces;
    private final ApiKeys keys;
    private final AgentConnectors connectors;
    private final TransactionalOperator tx;
    private final Scheduler hashing;
    private final Duration gracePeriod;
    private final Clock clock;
    private final EventPublisher events;

    public AgentRegistry(AgentRepository agents, PlacedWorkspaces workspaces, ApiKeys keys, AgentConnectors connectors,
            TransactionalOperator tx, Scheduler hashing, Duration gracePeriod, Clock clock, EventPublisher events) {
        this.agents = agents;
        this.workspaces = workspaces;
        this.keys = keys;
        this.connectors = connectors;
        this.tx = tx;
        this.hashing = hashing;
        this.gracePeriod = gracePeriod;
        this.clock = clock;
        this.events = events;
    }

    /** Registers an agent; the answer holds its API key, which is never shown again. */
    public Mono<AgentWithKey> register(RegisterAgentRequest request) {
        String id = UUID.randomUUID().toString();
        URI endpoint = endpoint(request.endpoint(), id);
        Labels labels = Labels.of(request.labels());
        return Mono.fromCallable(() -> keys.issue(id)).subscribeOn(hashing).flatMap(issued -> {
            Instant now = clock.instant();
            Agent agent = new Agent(id, request.name().trim(), endpoint, issued.hash(), null, null, request.type(),
                    AgentStatus.PENDING, request.capacity(), 0, blankToNull(request.region()), labels, null, 0, null, null,
                    request.auth() == null ? AgentAuth.API_KEY : AgentAuth.fromWire(request.auth()), now, now,
                    AgentFacts.UNKNOWN, ConnectionHistory.NEVER);
            return agents.insert(agent).then(agents.findById(id))
                    .switchIfEmpty(Mono.error(() -> new IllegalStateException("agent " + id
                            + " was not found right after it was inserted")))
                    .doOnNext(saved -> {
                        log.info("registered agent {} ({}) at {}", saved.id(), saved.name(), saved.endpoint());
                        events.publish(NewEvent.agent(EventType.AGENT_REGISTERED, saved.id()).with("name", saved.name())
                                .with("endpoint", saved.endpoint()).with("type", saved.type()));
                    })
                    .map(saved -> new AgentWithKey(AgentView.of(saved), issued.key()));
        });
    }

    /** Agents matching every given filter. */
    public Flux<Agent> list(@Nullable AgentStatus status, @Nullable String region, Labels labels) {
        return agents.findAll(status, region).filter(agent -> agent.labels().containsAll(labels));
    }

    /** The agent, or an {@code agent-not-found} problem. */
    public Mono<Agent> get(String id) {
        return agents.findById(id).switchIfEmpty(Mono.error(() -> HubProblemException.agentNotFound(id)));
    }

    /** Applies the fields present in {@code request}. */
    public Mono<Agent> update(String id, UpdateAgentRequest request) {
        return get(id).flatMap(current -> {
            URI endpoint = request.endpoint() == null ? current.endpoint() : endpoint(request.endpoint(), id);
            int capacity = request.capacity() == null ? current.capacity() : request.capacity();
            Labels labels = request.labels() == null ? current.labels() : Labels.of(request.labels());
            String region = request.region() == null ? current.region() : blankToNull(request.region());
            AgentStatus status = request.status() == null ? current.status() : AgentStatus.fromWire(request.status());
            AgentAuth auth = request.auth() == null ? current.auth() : AgentAuth.fromWire(request.auth());
            Agent changed = current.withSettings(endpoint, capacity, labels, region, status, auth, clock.instant());
            return agents.updateSettings(changed).doOnNext(saved -> events.publish(updated(current, saved)));
        }).switchIfEmpty(Mono.error(() -> HubProblemException.agentNotFound(id)));
    }

    /** Deletes an agent that holds no workspace; {@code agent-has-workspaces} otherwise. */
    public Mono<Void> delete(String id) {
        Mono<Void> delete = workspaces.countByAgent(id).flatMap(count -> {
            if (count > 0) {
                return Mono.error(hasWorkspaces(id, count));
            }
            return agents.delete(id).flatMap(deleted -> deleted ? Mono.<Void>empty()
                    : Mono.error(HubProblemException.agentNotFound(id)));
        });
        return tx.transactional(delete)
                // A workspace placed between the count and the delete: the foreign key refuses.
                .onErrorMap(DataIntegrityViolationException.class, e -> hasWorkspaces(id, 1))
                .doOnSuccess(v -> {
                    log.info("deleted agent {}", id);
                    events.publish(NewEvent.agent(EventType.AGENT_DELETED, id));
                });
    }

    /** Issues a new key; the previous one keeps working for the grace period. */
    public Mono<AgentWithKey> rotateKey(String id) {
        return get(id).flatMap(agent -> Mono.fromCallable(() -> keys.issue(id)).subscribeOn(hashing).flatMap(issued -> {
            Instant now = clock.instant();
            return agents.rotateKey(id, issued.hash(), now.plus(gracePeriod), now)
                    .flatMap(rotated -> rotated ? get(id) : Mono.error(HubProblemException.agentNotFound(id)))
                    .doOnNext(saved -> {
                        log.info("rotated the API key of agent {}; the previous key works until {}", id,
                                saved.previousKeyExpiresAt());
                        events.publish(NewEvent.agent(EventType.AGENT_KEY_ROTATED, id)
                                .with("previousKeyExpiresAt", saved.previousKeyExpiresAt()));
                    })
                    .map(saved -> new AgentWithKey(AgentView.of(saved), issued.key()));
        }));
    }

    /**
     * The agent whose API key {@code presented} is: its current key, or the previous one within the
     * grace period after a rotation. Empty for any other key. (For agent connections: the tunnel.)
     */
    public Mono<Agent> authenticate(String presented) {
        return match(presented).map(KeyMatch::agent);
    }

    /**
     * Like {@link #authenticate}, and says which key matched: a caller that hands out a credential
     * derived from the key (the tunnel's resumption ticket) must not extend the life of a previous
     * key beyond its grace period.
     */
    public Mono<KeyMatch> match(String presented) {
        return match(presented, hashing);
    }

    /**
     * Like {@link #match(String)}, with bcrypt on {@code checking}: the tunnel port's own bounded
     * budget of key checks, so that a flood of wrong keys cannot take the registry's scheduler.
     */
    public Mono<KeyMatch> match(String presented, Scheduler checking) {
        return keyOwner(presented).publishOn(checking).mapNotNull(agent -> verify(agent, presented));
    }

    /**
     * The agent {@code presented} names, read from the database (no bcrypt); empty when it is not an
     * API key or names no registered agent. {@link #verify} then checks the secret.
     */
    private Mono<Agent> keyOwner(String presented) {
        return Mono.justOrEmpty(ApiKeys.parse(presented)).flatMap(key -> agents.findById(key.agentId()));
    }

    /**
     * Whether {@code presented} is {@code agent}'s current key, or its previous one within the grace
     * period after a rotation: which matched, or null for neither. Blocking (bcrypt): run it off
     * the event loop.
     */
    public @Nullable KeyMatch verify(Agent agent, String presented) {
        ApiKeys.Presented key = ApiKeys.parse(presented).orElse(null);
        if (key == null || !key.agentId().equals(agent.id())) {
            return null;
        }
        if (keys.matches(key.secret(), agent.apiKeyHash())) {
            return new KeyMatch(agent, true);
        }
        boolean previous = agent.previousApiKeyHash() != null && agent.previousKeyExpiresAt() != null
                && clock.instant().isBefore(agent.previousKeyExpiresAt())
                && keys.matches(key.secret(), agent.previousApiKeyHash());
        return previous ? new KeyMatch(agent, false) : null;
    }

    /**
     * An agent whose key was presented.
     *
     * @param agent      the agent
     * @param currentKey whether it was its current key (false: the previous one, within the grace period)
     */
    public record KeyMatch(Agent agent, boolean currentKey) {
    }

    private URI endpoint(String value, String agentId) {
        String trimmed = value.trim();
        if (trimmed.regionMatches(true, 0, TUNNEL_SCHEME + ":", 0, TUNNEL_SCHEME.length() + 1)) {
            return tunnelEndpoint(trimmed, agentId);
        }
        URI uri;
        try {
            uri = new URI(value.trim());
        } catch (URISyntaxException e) {
            throw HubProblemException.invalid("endpoint", "'" + value + "' is not a URL (" + e.getReason() + ")");
        }
        if (!connectors.supports(uri)) {
            throw HubProblemException.invalid("endpoint", "'" + value + "': scheme '" + uri.getScheme()
                    + "' is not supported (expected one of: " + String.join(", ", connectors.schemes()) + ")");
        }
        if (uri.getHost() == null || uri.getRawUserInfo() != null || uri.getRawQuery() != null
                || uri.getRawFragment() != null) {
            throw HubProblemException.invalid("endpoint", "'" + value
                    + "' (expected: scheme://host[:port][/path], without credentials, query or fragment)");
        }
        return uri;
    }

    /**
     * An agent behind the tunnel is reached through its own session, so its endpoint is always
     * {@code tunnel://<its id>}: {@code tunnel://} is completed, another id is refused.
     */
    private URI tunnelEndpoint(String value, String agentId) {
        URI own = URI.create(TUNNEL_SCHEME + "://" + agentId);
        if (!connectors.supports(own)) {
            throw HubProblemException.invalid("endpoint", "'" + value + "': scheme '" + TUNNEL_SCHEME
                    + "' is not supported (expected one of: " + String.join(", ", connectors.schemes()) + ")");
        }
        String rest = value.substring(TUNNEL_SCHEME.length() + 1);
        if (!rest.equals("//") && !rest.equals("//" + agentId) && !rest.equals("//" + agentId + "/")) {
            throw HubProblemException.invalid("endpoint", "'" + value + "' (expected: tunnel:// for an agent that dials "
                    + "in; the hub stores tunnel://<agent id>)");
        }
        return own;
    }

    /** {@code agent.updated} naming the settings that changed, with the status change when there is one. */
    private static NewEvent updated(Agent before, Agent after) {
        List<String> changed = new ArrayList<>();
        if (!before.endpoint().equals(after.endpoint())) {
            changed.add("endpoint");
        }
        if (before.capacity() != after.capacity()) {
            changed.add("capacity");
        }
        if (!before.labels().equals(after.labels())) {
            changed.add("labels");
        }
        if (!Objects.equals(before.region(), after.region())) {
            changed.add("region");
        }
        if (before.status() != after.status()) {
            changed.add("status");
        }
        if (before.auth() != after.auth()) {
            changed.add("auth");
        }
        NewEvent event = NewEvent.agent(EventType.AGENT_UPDATED, after.id()).with("changed", String.join(",", changed));
        return before.status() == after.status() ? event
                : event.with("from", before.status().wire()).with("to", after.status().wire());
    }

    private static HubProblemException hasWorkspaces(String id, long count) {
        return new HubProblemException(HubProblemType.AGENT_HAS_WORKSPACES, "agent " + id + " still holds " + count
                + " workspace(s); delete them (DELETE /api/v1/workspaces/{id}) first");
    }

    private static @Nullable String blankToNull(@Nullable String value) {
        return value == null || value.isBlank() ? null : value;
    }
}
