package io.codehub.hub.workspaces;

import java.time.Instant;
import java.util.stream.Collectors;

import io.codehub.hub.agents.PlacedWorkspaces;
import io.codehub.hub.db.Sql;
import io.codehub.runtime.ArchiveKey;
import io.codehub.runtime.InstanceSpec;
import io.r2dbc.spi.Readable;
import org.jspecify.annotations.Nullable;
import org.springframework.dao.OptimisticLockingFailureException;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.r2dbc.core.DatabaseClient.GenericExecuteSpec;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/**
 * The {@code workspaces} table, in plain SQL that runs the same on H2 and PostgreSQL. Every update
 * is guarded by the row's {@code version}: a writer that read an older row gets an
 * {@link OptimisticLockingFailureException} and must read again.
 */
public final class WorkspaceRepository implements PlacedWorkspaces {

    private static final String IN_FLIGHT = ObservedState.IN_FLIGHT.stream().map(s -> "'" + s.name() + "'")
            .collect(Collectors.joining(", "));

    private final DatabaseClient db;
    private final JsonMapper json;

    public WorkspaceRepository(DatabaseClient db, JsonMapper json) {
        this.db = db;
        this.json = json;
    }

    public Mono<Workspace> insert(Workspace workspace) {
        GenericExecuteSpec spec = db.sql("""
                INSERT INTO workspaces (id, name, owner, agent_id, image, spec, desired_state, observed_state, reason,
                    archive_key, job_id, attempts, next_attempt_at, created_at, updated_at, version)
                VALUES (:id, :name, :owner, :agentId, :image, :spec, :desired, :observed, :reason,
                    :archiveKey, :jobId, :attempts, :nextAttemptAt, :createdAt, :updatedAt, :version)""")
                .bind("id", workspace.id())
                .bind("name", workspace.name())
                .bind("agentId", workspace.agentId())
                .bind("image", workspace.spec().image())
                .bind("spec", json.writeValueAsString(workspace.spec()))
                .bind("desired", workspace.desired().name())
                .bind("observed", workspace.observed().name())
                .bind("attempts", workspace.attempts())
                .bind("version", workspace.version());
        spec = Sql.bind(spec, "owner", workspace.owner(), String.class);
        spec = bindMutable(spec, workspace);
        spec = Sql.bind(spec, "createdAt", workspace.createdAt(), Instant.class);
        spec = Sql.bind(spec, "updatedAt", workspace.updatedAt(), Instant.class);
        return spec.then().thenReturn(workspace);
    }

    public Mono<Workspace> findById(String id) {
        return db.sql("SELECT * FROM workspaces WHERE id = :id").bind("id", id).map(this::map).one();
    }

    /** Workspaces on {@code agentId} and in {@code observed} state when given, oldest first. */
    public Flux<Workspace> findAll(@Nullable String agentId, @Nullable ObservedState observed) {
        String sql = "SELECT * FROM workspaces WHERE 1 = 1"
                + (agentId == null ? "" : " AND agent_id = :agentId")
                + (observed == null ? "" : " AND observed_state = :observed")
                + " ORDER BY created_at, id";
        GenericExecuteSpec spec = db.sql(sql);
        if (agentId != null) {
            spec = spec.bind("agentId", agentId);
        }
        if (observed != null) {
            spec = spec.bind("observed", observed.name());
        }
        return spec.map(this::map).all();
    }

    /** Workspaces the reconciler has work on now: not settled, not in {@code ERROR}, and due. */
    public Flux<Workspace> findDue(Instant now, int limit) {
        GenericExecuteSpec spec = db.sql("""
                SELECT * FROM workspaces
                WHERE observed_state <> 'ERROR'
                  AND NOT (desired_state = observed_state AND desired_state IN ('RUNNING', 'STOPPED', 'ARCHIVED'))
                  AND (next_attempt_at IS NULL OR next_attempt_at <= :now)
                ORDER BY updated_at, id
                LIMIT :limit""")
                .bind("limit", limit);
        return Sql.bind(spec, "now", now, Instant.class).map(this::map).all();
    }

    /**
     * Writes {@code workspace} if its row still has {@code workspace.version()}, and returns it as
     * saved (version incremented); {@link OptimisticLockingFailureException} otherwise.
     */
    public Mono<Workspace> update(Workspace workspace, Instant now) {
        GenericExecuteSpec spec = db.sql("""
                UPDATE workspaces SET desired_state = :desired, observed_state = :observed, reason = :reason,
                    archive_key = :archiveKey, job_id = :jobId, attempts = :attempts, next_attempt_at = :nextAttemptAt,
                    updated_at = :updatedAt, version = version + 1
                WHERE id = :id AND version = :version""")
                .bind("id", workspace.id())
                .bind("version", workspace.version())
                .bind("desired", workspace.desired().name())
                .bind("observed", workspace.observed().name())
                .bind("attempts", workspace.attempts());
        spec = bindMutable(spec, workspace);
        spec = Sql.bind(spec, "updatedAt", now, Instant.class);
        return spec.fetch().rowsUpdated().flatMap(rows -> rows == 1
                ? Mono.just(workspace.saved(now, workspace.version() + 1))
                : Mono.error(new OptimisticLockingFailureException("workspace " + workspace.id()
                        + " changed since version " + workspace.version() + " was read (or was deleted)")));
    }

    /** Deletes the row if it still has {@code version}; false otherwise. */
    public Mono<Boolean> delete(String id, long version) {
        return db.sql("DELETE FROM workspaces WHERE id = :id AND version = :version")
                .bind("id", id).bind("version", version)
                .fetch().rowsUpdated().map(rows -> rows == 1);
    }

    /** How many workspaces live on the agent. */
    @Override
    public Mono<Long> countByAgent(String agentId) {
        return db.sql("SELECT COUNT(*) AS n FROM workspaces WHERE agent_id = :agentId").bind("agentId", agentId)
                .map(row -> Sql.bigint(row, "n")).one();
    }

    /** Puts the agent's workspaces that have a step in flight into {@code ERROR} with {@code reason}; returns how many. */
    public Mono<Long> failInFlight(String agentId, String reason, Instant now) {
        GenericExecuteSpec spec = db.sql("UPDATE workspaces SET observed_state = 'ERROR', reason = :reason, "
                + "next_attempt_at = NULL, updated_at = :now, version = version + 1 "
                + "WHERE agent_id = :agentId AND observed_state IN (" + IN_FLIGHT + ")")
                .bind("agentId", agentId)
                .bind("reason", shorten(reason));
        return Sql.bind(spec, "now", now, Instant.class).fetch().rowsUpdated();
    }

    private static GenericExecuteSpec bindMutable(GenericExecuteSpec spec, Workspace workspace) {
        spec = Sql.bind(spec, "reason", workspace.reason() == null ? null : shorten(workspace.reason()), String.class);
        spec = Sql.bind(spec, "archiveKey", workspace.archiveKey() == null ? null : workspace.archiveKey().value(),
                String.class);
        spec = Sql.bind(spec, "jobId", workspace.jobId(), String.class);
        return Sql.bind(spec, "nextAttemptAt", workspace.nextAttemptAt(), Instant.class);
    }

    private static String shorten(String reason) {
        return reason.length() > 1024 ? reason.substring(0, 1021) + "..." : reason;
    }

    private Workspace map(Readable row) {
        String archiveKey = row.get("archive_key", String.class);
        return new Workspace(
                Sql.text(row, "id"),
                Sql.text(row, "name"),
                row.get("owner", String.class),
                Sql.text(row, "agent_id"),
                json.readValue(Sql.text(row, "spec"), InstanceSpec.class),
                DesiredState.valueOf(Sql.text(row, "desired_state")),
                ObservedState.valueOf(Sql.text(row, "observed_state")),
                row.get("reason", String.class),
                archiveKey == null ? null : ArchiveKey.of(archiveKey),
                row.get("job_id", String.class),
                Sql.integer(row, "attempts"),
                Sql.instant(row, "next_attempt_at"),
                Sql.requiredInstant(row, "created_at"),
                Sql.requiredInstant(row, "updated_at"),
                Sql.bigint(row, "version"));
    }
}
