package io.codehub.hub.agents;

import java.net.URI;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.codehub.hub.db.Sql;
import io.r2dbc.spi.Readable;
import org.jspecify.annotations.Nullable;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.r2dbc.core.DatabaseClient.GenericExecuteSpec;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/**
 * The {@code agents} table, in plain SQL that runs the same on H2 and PostgreSQL. Every change is
 * one statement; {@link #reserveSlot} is the one conditional {@code UPDATE} that keeps placement
 * from over-booking an agent, whatever the concurrency.
 */
public final class AgentRepository {

    /** Agents' schedules read per query. */
    static final int SCHEDULE_PAGE = 1000;

    /** Parsed endpoints kept at most (one per agent); past it the cache starts again. */
    private static final int MAX_ENDPOINTS = 100_000;
    private static final TypeReference<Map<String, String>> LABELS = new TypeReference<>() {
    };

    private final DatabaseClient db;
    private final JsonMapper json;
    private final Map<String, URI> endpoints = new ConcurrentHashMap<>();

    public AgentRepository(DatabaseClient db, JsonMapper json) {
        this.db = db;
        this.json = json;
    }

    public Mono<Void> insert(Agent agent) {
        GenericExecuteSpec spec = db.sql("""
                INSERT INTO agents (id, name, endpoint, api_key_hash, previous_api_key_hash, previous_key_expires_at,
                    type, status, capacity, current_load, region, labels, last_health_at, consecutive_failures,
                    last_error, agent_version, auth, created_at, updated_at, os, arch, runtime, backend_version,
                    first_connected_at, last_connected_at, last_disconnected_at, last_disconnect_reason)
                VALUES (:id, :name, :endpoint, :apiKeyHash, :previousApiKeyHash, :previousKeyExpiresAt,
                    :type, :status, :capacity, :currentLoad, :region, :labels, :lastHealthAt, :consecutiveFailures,
                    :lastError, :agentVersion, :auth, :createdAt, :updatedAt, :os, :arch, :runtime, :backendVersion,
                    :firstConnectedAt, :lastConnectedAt, :lastDisconnectedAt, :lastDisconnectReason)""")
                .bind("id", agent.id())
                .bind("name", agent.name())
                .bind("endpoint", agent.endpoint().toString())
                .bind("apiKeyHash", agent.apiKeyHash())
                .bind("type", agent.type())
                .bind("status", agent.status().wire())
                .bind("auth", agent.auth().wire())
                .bind("capacity", agent.capacity())
                .bind("currentLoad", agent.currentLoad())
                .bind("labels", json.writeValueAsString(agent.labels().values()))
                .bind("consecutiveFailures", agent.consecutiveFailures());
        spec = Sql.bind(spec, "previousApiKeyHash", agent.previousApiKeyHash(), String.class);
        spec = Sql.bind(spec, "previousKeyExpiresAt", agent.previousKeyExpiresAt(), Instant.class);
        spec = Sql.bind(spec, "region", agent.region(), String.class);
        spec = Sql.bind(spec, "lastHealthAt", agent.lastHealthAt(), Instant.class);
        spec = Sql.bind(spec, "lastError", agent.lastError(), String.class);
        spec = Sql.bind(spec, "agentVersion", agent.agentVersion(), String.class);
        spec = Sql.bind(spec, "createdAt", agent.createdAt(), Instant.class);
        spec = Sql.bind(spec, "updatedAt", agent.updatedAt(), Instant.class);
        spec = Sql.bind(spec, "os", agent.facts().os(), String.class);
        spec = Sql.bind(spec, "arch", agent.facts().arch(), String.class);
        spec = Sql.bind(spec, "runtime", agent.facts().runtime(), String.class);
        spec = Sql.bind(spec, "backendVersion", agent.facts().backendVersion(), String.class);
        spec = Sql.bind(spec, "firstConnectedAt", agent.history().firstConnectedAt(), Instant.class);
        spec = Sql.bind(spec, "lastConnectedAt", agent.history().lastConnectedAt(), Instant.class);
        spec = Sql.bind(spec, "lastDisconnectedAt", agent.history().lastDisconnectedAt(), Instant.class);
        spec = Sql.bind(spec, "lastDisconnectReason", agent.history().lastDisconnectReason(), String.class);
        return spec.then();
    }

    public Mono<Agent> findById(String id) {
        return db.sql("SELECT * FROM agents WHERE id = :id").bind("id", id).map(this::map).one();
    }

    /** Agents with {@code status} and {@code region} when given, oldest first. */
    public Flux<Agent> findAll(@Nullable AgentStatus status, @Nullable String region) {
        String sql = "SELECT * FROM agents WHERE 1 = 1"
                + (status == null ? "" : " AND status = :status")
                + (region == null ? "" : " AND region = :region")
                + " ORDER BY created_at, id";
        GenericExecuteSpec spec = db.sql(sql);
        if (status != null) {
            spec = spec.bind("status", status.wire());
        }
        if (region != null) {
            spec = spec.bind("region", region);
        }
        return spec.map(this::map).all();
    }

    /**
     * What the health checker schedules by, for every agent: a few columns, not whole rows (a
     * fleet's list is read every few seconds).
     *
     * @param tunnel       whether the hub reaches it through its tunnel session
     * @param lastHealthAt when it last passed a health check
     * @param failures     health checks failed in a row
     */
    public record Schedule(String id, AgentStatus status, boolean tunnel, @Nullable Instant lastHealthAt, int failures) {
    }

    /**
     * Every agent's {@link Schedule}, read {@value #SCHEDULE_PAGE} at a time in id order: the rows are
     * decoded on the event loop that also serves the API, and 10,000 at once held it for tens of
     * milliseconds (an API call landing then waited as long).
     */
    public Flux<Schedule> schedules() {
        return schedules(SCHEDULE_PAGE);
    }

    /** {@link #schedules()} with {@code page} rows per query. */
    public Flux<Schedule> schedules(int page) {
        return schedulesAfter("", page)
                .expand(rows -> rows.size() < page ? Mono.empty() : schedulesAfter(rows.get(rows.size() - 1).id(), page))
                .concatMapIterable(rows -> rows);
    }

    private Mono<List<Schedule>> schedulesAfter(String afterId, int page) {
        return db.sql("SELECT id, status, endpoint, last_health_at, consecutive_failures FROM agents WHERE id > :after "
                        + "ORDER BY id LIMIT :limit")
                .bind("after", afterId)
                .bind("limit", page)
                .map(row -> new Schedule(Sql.text(row, "id"), AgentStatus.fromWire(Sql.text(row, "status")),
                        Sql.text(row, "endpoint").regionMatches(true, 0, "tunnel:", 0, 7),
                        Sql.instant(row, "last_health_at"), Sql.integer(row, "consecutive_failures")))
                .all()
                .collectList();
    }

    /** The agents of {@code ids} that exist, in no particular order. */
    public Flux<Agent> findAllById(Collection<String> ids) {
        if (ids.isEmpty()) {
            return Flux.empty();
        }
        return db.sql("SELECT * FROM agents WHERE id IN (:ids)").bind("ids", List.copyOf(ids)).map(this::map).all();
    }

    /**
     * Active agents with room for one more workspace, in {@code region} when given, least loaded
     * first: {@code limit} of them from {@code offset} of that order.
     */
    public Flux<Agent> findPlaceable(@Nullable String region, int offset, int limit) {
        String sql = "SELECT * FROM agents WHERE status = 'active' AND current_load < capacity"
                + (region == null ? "" : " AND region = :region")
                + " ORDER BY CAST(current_load AS DOUBLE PRECISION) / capacity, current_load, created_at, id"
                + " LIMIT :limit OFFSET :offset";
        GenericExecuteSpec spec = db.sql(sql).bind("limit", limit).bind("offset", offset);
        if (region != null) {
            spec = spec.bind("region", region);
        }
        return spec.map(this::map).all();
    }

    /** Writes the settings an admin may change; empty when the agent does not exist. */
    public Mono<Agent> updateSettings(Agent agent) {
        GenericExecuteSpec spec = db.sql("""
                UPDATE agents SET endpoint = :endpoint, capacity = :capacity, labels = :labels, region = :region,
                    status = :status, auth = :auth, updated_at = :updatedAt
                WHERE id = :id""")
                .bind("id", agent.id())
                .bind("endpoint", agent.endpoint().toString())
                .bind("capacity", agent.capacity())
                .bind("labels", json.writeValueAsString(agent.labels().values()))
                .bind("status", agent.status().wire())
                .bind("auth", agent.auth().wire());
        spec = Sql.bind(spec, "region", agent.region(), String.class);
        spec = Sql.bind(spec, "updatedAt", agent.updatedAt(), Instant.class);
        return spec.fetch().rowsUpdated().flatMap(rows -> rows == 1 ? findById(agent.id()) : Mono.empty());
    }

    /** Replaces the key hash, keeping the old one valid until {@code previousExpiresAt}; false when no such agent. */
    public Mono<Boolean> rotateKey(String id, String newHash, Instant previousExpiresAt, Instant now) {
        GenericExecuteSpec spec = db.sql("""
                UPDATE agents SET previous_api_key_hash = api_key_hash, previous_key_expires_at = :expiresAt,
                    api_key_hash = :hash, updated_at = :now
                WHERE id = :id""")
                .bind("id", id)
                .bind("hash", newHash);
        spec = Sql.bind(spec, "expiresAt", previousExpiresAt, Instant.class);
        spec = Sql.bind(spec, "now", now, Instant.class);
        return spec.fetch().rowsUpdated().map(rows -> rows == 1);
    }

    /** Deletes the agent; false when there was none. Fails (foreign key) while workspaces reference it. */
    public Mono<Boolean> delete(String id) {
        return db.sql("DELETE FROM agents WHERE id = :id").bind("id", id).fetch().rowsUpdated().map(rows -> rows == 1);
    }

    /**
     * Takes one slot of the agent's capacity if it is active and has one free: a single conditional
     * {@code UPDATE}, so concurrent placements serialise on the row and never over-book.
     */
    public Mono<Boolean> reserveSlot(String id, Instant now) {
        GenericExecuteSpec spec = db.sql("""
                UPDATE agents SET current_load = current_load + 1, updated_at = :now
                WHERE id = :id AND status = 'active' AND current_load < capacity""")
                .bind("id", id);
        return Sql.bind(spec, "now", now, Instant.class).fetch().rowsUpdated().map(rows -> rows == 1);
    }

    /** Gives back one slot (a workspace left the agent). */
    public Mono<Boolean> releaseSlot(String id, Instant now) {
        GenericExecuteSpec spec = db.sql("""
                UPDATE agents SET current_load = current_load - 1, updated_at = :now
                WHERE id = :id AND current_load > 0""")
                .bind("id", id);
        return Sql.bind(spec, "now", now, Instant.class).fetch().rowsUpdated().map(rows -> rows == 1);
    }

    /** Records a passed health check: failures reset, {@code error} and {@code pending} to {@code active}. */
    public Mono<Agent> recordHealthy(String id, Instant at, @Nullable String agentVersion) {
        return recordHealthy(id, at, agentVersion, AgentFacts.UNKNOWN, false);
    }

    /**
     * Records a passed health check: failures reset, {@code error} and {@code pending} to
     * {@code active}, the facts it reported kept (those it left out stay as they were). For an agent
     * called {@code direct}ly, a passed check is also its latest connection.
     */
    public Mono<Agent> recordHealthy(String id, Instant at, @Nullable String agentVersion, AgentFacts facts,
            boolean direct) {
        GenericExecuteSpec spec = db.sql("""
                UPDATE agents SET status = CASE WHEN status IN ('error', 'pending') THEN 'active' ELSE status END,
                    consecutive_failures = 0, last_error = NULL, last_health_at = :at, agent_version = :version,
                    os = COALESCE(:os, os), arch = COALESCE(:arch, arch), runtime = COALESCE(:runtime, runtime),
                    backend_version = COALESCE(:backendVersion, backend_version),
                    first_connected_at = COALESCE(first_connected_at, :at),
                    """ + (direct ? "last_connected_at = :at," : "") + """
                    updated_at = :at
                WHERE id = :id""")
                .bind("id", id);
        spec = Sql.bind(spec, "at", at, Instant.class);
        spec = Sql.bind(spec, "version", agentVersion, String.class);
        return bindFacts(spec, facts).fetch().rowsUpdated().then(findById(id));
    }

    /**
     * Records a passed health check {@code at} for agents it changes in nothing else (active, no
     * failure, the same version and facts): one statement for many. An agent that changed
     * meanwhile is left out (its next check records it whole).
     */
    public Mono<Long> touchHealthy(Collection<String> ids, Instant at) {
        if (ids.isEmpty()) {
            return Mono.just(0L);
        }
        GenericExecuteSpec spec = db.sql("UPDATE agents SET last_health_at = :at, updated_at = :at "
                + "WHERE id IN (:ids) AND status = 'active' AND consecutive_failures = 0").bind("ids", List.copyOf(ids));
        return Sql.bind(spec, "at", at, Instant.class).fetch().rowsUpdated();
    }

    /**
     * Records a tunnel session that opened {@code at}: the agent's first and latest connection,
     * {@code pending} to {@code active}, the version and facts its handshake carried (those it left
     * out stay as they were). Completes with whether the agent exists (no read back: every
     * connection of a fleet writes here).
     */
    public Mono<Boolean> recordConnected(String id, Instant at, @Nullable String agentVersion, AgentFacts facts) {
        return recordConnected(List.of(id), at, agentVersion, facts).map(rows -> rows > 0);
    }

    /**
     * {@link #recordConnected(String, Instant, String, AgentFacts)} for several agents whose sessions
     * said the same version and facts, in one statement; completes with the rows changed.
     */
    public Mono<Long> recordConnected(Collection<String> ids, Instant at, @Nullable String agentVersion,
            AgentFacts facts) {
        if (ids.isEmpty()) {
            return Mono.just(0L);
        }
        GenericExecuteSpec spec = db.sql("""
                UPDATE agents SET status = CASE WHEN status = 'pending' THEN 'active' ELSE status END,
                    first_connected_at = COALESCE(first_connected_at, :at), last_connected_at = :at,
                    agent_version = COALESCE(:version, agent_version),
                    os = COALESCE(:os, os), arch = COALESCE(:arch, arch), runtime = COALESCE(:runtime, runtime),
                    backend_version = COALESCE(:backendVersion, backend_version), updated_at = :at
                WHERE id IN (:ids)""")
                .bind("ids", List.copyOf(ids));
        spec = Sql.bind(spec, "at", at, Instant.class);
        spec = Sql.bind(spec, "version", agentVersion, String.class);
        return bindFacts(spec, facts).fetch().rowsUpdated();
    }

    /**
     * Locks the rows of {@code ids} in id order until the transaction ends, and emits those still
     * {@code pending}: call it in one, first, with the writes that make them {@code active}, so that
     * exactly one writer sees each agent change, and so that two such transactions take their rows
     * in the same order.
     */
    public Flux<String> lockForConnection(Collection<String> ids) {
        if (ids.isEmpty()) {
            return Flux.empty();
        }
        return db.sql("SELECT id, status FROM agents WHERE id IN (:ids) ORDER BY id FOR UPDATE")
                .bind("ids", List.copyOf(ids))
                .map(row -> AgentStatus.PENDING.wire().equals(row.get("status", String.class))
                        ? row.get("id", String.class) : "")
                .all()
                .filter(id -> !id.isEmpty());
    }

    /** Records that the agent's connection ended {@code at} for {@code reason} (a disconnect reason's wire name). */
    public Mono<Boolean> recordDisconnected(String id, Instant at, String reason) {
        GenericExecuteSpec spec = db.sql("""
                UPDATE agents SET last_disconnected_at = :at, last_disconnect_reason = :reason, updated_at = :at
                WHERE id = :id""")
                .bind("id", id)
                .bind("reason", reason.length() > 32 ? reason.substring(0, 32) : reason);
        return Sql.bind(spec, "at", at, Instant.class).fetch().rowsUpdated().map(rows -> rows == 1);
    }

    /**
     * Records that a handshake naming agent {@code id} was refused while it had no session:
     * {@code lastDisconnectReason} becomes {@code auth-failed}. False when no such agent is registered.
     */
    public Mono<Boolean> recordAuthFailed(String id, Instant at) {
        GenericExecuteSpec spec = db.sql("""
                UPDATE agents SET last_disconnect_reason = 'auth-failed', updated_at = :at WHERE id = :id""")
                .bind("id", id);
        return Sql.bind(spec, "at", at, Instant.class).fetch().rowsUpdated().map(rows -> rows == 1);
    }

    private static GenericExecuteSpec bindFacts(GenericExecuteSpec spec, AgentFacts facts) {
        spec = Sql.bind(spec, "os", facts.os(), String.class);
        spec = Sql.bind(spec, "arch", facts.arch(), String.class);
        spec = Sql.bind(spec, "runtime", facts.runtime(), String.class);
        return Sql.bind(spec, "backendVersion", facts.backendVersion(), String.class);
    }

    /** Records a failed health check and returns the agent's new failure count. */
    public Mono<Agent> recordUnhealthy(String id, Instant at, String error) {
        GenericExecuteSpec spec = db.sql("""
                UPDATE agents SET consecutive_failures = consecutive_failures + 1, last_error = :error, updated_at = :at
                WHERE id = :id""")
                .bind("id", id)
                .bind("error", error.length() > 1024 ? error.substring(0, 1021) + "..." : error);
        spec = Sql.bind(spec, "at", at, Instant.class);
        return spec.fetch().rowsUpdated().then(findById(id));
    }

    /**
     * Marks an {@code active} agent {@code error} once it has failed {@code threshold} checks in a
     * row; true only for the call that made the change.
     */
    public Mono<Boolean> markErrorIfFailing(String id, int threshold, Instant at) {
        GenericExecuteSpec spec = db.sql("""
                UPDATE agents SET status = 'error', updated_at = :at
                WHERE id = :id AND status = 'active' AND consecutive_failures >= :threshold""")
                .bind("id", id)
                .bind("threshold", threshold);
        return Sql.bind(spec, "at", at, Instant.class).fetch().rowsUpdated().map(rows -> rows == 1);
    }

    /**
     * The endpoint of a row, parsed once per distinct value: a row is read for every health check
     * and connect, and parsing {@code tunnel://<id>} throws and catches an exception inside the JDK
     * whenever the id starts with a digit (it is tried as an IPv4 address first).
     */
    private URI endpoint(String text) {
        URI known = endpoints.get(text);
        if (known != null) {
            return known;
        }
        if (endpoints.size() >= MAX_ENDPOINTS) {
            endpoints.clear();
        }
        URI parsed = URI.create(text);
        endpoints.put(text, parsed);
        return parsed;
    }

    private Agent map(Readable row) {
        String labels = row.get("labels", String.class);
        return new Agent(
                Sql.text(row, "id"),
                Sql.text(row, "name"),
                endpoint(Sql.text(row, "endpoint")),
                Sql.text(row, "api_key_hash"),
                row.get("previous_api_key_hash", String.class),
                Sql.instant(row, "previous_key_expires_at"),
                Sql.text(row, "type"),
                AgentStatus.fromWire(Sql.text(row, "status")),
                Sql.integer(row, "capacity"),
                Sql.integer(row, "current_load"),
                row.get("region", String.class),
                labels == null ? Labels.NONE : new Labels(json.readValue(labels, LABELS)),
                Sql.instant(row, "last_health_at"),
                Sql.integer(row, "consecutive_failures"),
                row.get("last_error", String.class),
                row.get("agent_version", String.class),
                AgentAuth.fromWire(Sql.text(row, "auth")),
                Sql.requiredInstant(row, "created_at"),
                Sql.requiredInstant(row, "updated_at"),
                new AgentFacts(row.get("os", String.class), row.get("arch", String.class),
                        row.get("runtime", String.class), row.get("backend_version", String.class)),
                new ConnectionHistory(Sql.instant(row, "first_connected_at"), Sql.instant(row, "last_connected_at"),
                        Sql.instant(row, "last_disconnected_at"), row.get("last_disconnect_reason", String.class)));
    }
}
