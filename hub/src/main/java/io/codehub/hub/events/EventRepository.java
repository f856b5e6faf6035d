package io.codehub.hub.events;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.codehub.hub.db.Sql;
import io.r2dbc.spi.Readable;
import org.jspecify.annotations.Nullable;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.r2dbc.core.DatabaseClient.GenericExecuteSpec;
import org.springframework.transaction.reactive.TransactionalOperator;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/**
 * The {@code events} table, in plain SQL that runs the same on H2 and PostgreSQL. Reads go by id:
 * newest first for the paged history, oldest first after a cursor for a stream's replay; the
 * retention sweep deletes the oldest rows in bounded batches.
 */
public final class EventRepository {

    private static final TypeReference<Map<String, String>> DETAIL = new TypeReference<>() {
    };

    /**
     * Rows one {@code INSERT} of {@link #insertAll} carries at most (six parameters each); a power of
     * two, as every statement's row count is (see {@link #insertAll}).
     */
    static final int ROWS_PER_STATEMENT = 256;

    private final DatabaseClient db;
    private final JsonMapper json;
    private final @Nullable TransactionalOperator tx;

    public EventRepository(DatabaseClient db, JsonMapper json) {
        this(db, json, null);
    }

    /** @param tx what {@link #insertAll} runs in: one commit for many events; without it, one each */
    public EventRepository(DatabaseClient db, JsonMapper json, @Nullable TransactionalOperator tx) {
        this.db = db;
        this.json = json;
        this.tx = tx;
    }

    /**
     * Inserts {@code events}, the i-th happening at {@code at.get(i)}, in order and in one
     * transaction, as multi-row statements of {@value #ROWS_PER_STATEMENT} rows and then of the
     * powers of two that make up the rest (600 rows: 256, 256, 64, 16, 8). A fleet reconnecting after
     * a hub restart records an event per agent: 10,000 statements before, about 40 now. The sizes are
     * powers of two so that a connection prepares at most nine statement texts, not one per count:
     * they stay among the statements it keeps prepared on the server (at most
     * {@code DatabaseTarget.Postgres.MAX_PREPARED_STATEMENTS}, the least recently used closed) instead
     * of pushing the others out.
     */
    public Flux<Event> insertAll(List<NewEvent> events, List<Instant> at) {
        if (events.size() != at.size()) {
            throw new IllegalArgumentException("events: " + events.size() + ", times: " + at.size() + " (expected: as many)");
        }
        List<Integer> starts = new ArrayList<>();
        for (int from = 0; from < events.size(); from += rowsAt(events.size() - from)) {
            starts.add(from);
        }
        Flux<Event> inserts = Flux.fromIterable(starts).concatMap(from -> {
            int to = from + rowsAt(events.size() - from);
            return insertRows(events.subList(from, to), at.subList(from, to));
        });
        return tx == null || starts.size() <= 1 ? inserts : tx.transactional(inserts);
    }

    /** The rows of the next statement when {@code left} remain: the largest power of two up to the cap. */
    private static int rowsAt(int left) {
        return Math.min(ROWS_PER_STATEMENT, Integer.highestOneBit(left));
    }

    /**
     * One multi-row {@code INSERT}. Its rows take their ids in the order they are listed (the
     * identity is drawn row by row), so the ids the database returns, sorted, are the events' in
     * order, whatever order it returns them in.
     */
    private Flux<Event> insertRows(List<NewEvent> events, List<Instant> at) {
        StringBuilder sql = new StringBuilder("INSERT INTO events (occurred_at, type, agent_id, workspace_id, reason, "
                + "detail) VALUES ");
        for (int i = 0; i < events.size(); i++) {
            sql.append(i == 0 ? "" : ", ").append("(:at").append(i).append(", :type").append(i).append(", :agentId")
                    .append(i).append(", :workspaceId").append(i).append(", :reason").append(i).append(", :detail")
                    .append(i).append(')');
        }
        Map<String, Object> values = new HashMap<>(events.size() * 8);
        for (int i = 0; i < events.size(); i++) {
            NewEvent event = events.get(i);
            values.put("type" + i, event.type().wire());
            values.put("at" + i, Sql.value(at.get(i), Instant.class));
            values.put("agentId" + i, Sql.value(event.agentId(), String.class));
            values.put("workspaceId" + i, Sql.value(event.workspaceId(), String.class));
            values.put("reason" + i, Sql.value(event.reason(), String.class));
            values.put("detail" + i, Sql.value(event.detail().isEmpty() ? null : json.writeValueAsString(event.detail()),
                    String.class));
        }
        return db.sql(sql.toString()).bindValues(values)
                .filter(statement -> statement.returnGeneratedValues("id"))
                .map(row -> Sql.bigint(row, "id"))
                .all()
                .collectSortedList()
                .flatMapMany(ids -> {
                    if (ids.size() != events.size()) {
                        return Flux.error(new IllegalStateException("inserted " + events.size() + " events, the "
                                + "database returned " + ids.size() + " ids"));
                    }
                    return Flux.range(0, events.size()).map(i -> {
                        NewEvent event = events.get(i);
                        return new Event(ids.get(i), at.get(i), event.type(), event.agentId(), event.workspaceId(),
                                event.reason(), event.detail());
                    });
                });
    }

    /**
     * The newest {@code limit} events passing {@code filter}, at or after {@code since} and before
     * id {@code before} when given; newest first.
     */
    public Flux<Event> newest(EventFilter filter, @Nullable Instant since, @Nullable Long before, int limit) {
        StringBuilder sql = new StringBuilder("SELECT * FROM events WHERE 1 = 1");
        where(sql, filter);
        if (since != null) {
            sql.append(" AND occurred_at >= :since");
        }
        if (before != null) {
            sql.append(" AND id < :before");
        }
        sql.append(" ORDER BY id DESC LIMIT :limit");
        GenericExecuteSpec spec = bind(db.sql(sql.toString()), filter).bind("limit", limit);
        if (since != null) {
            spec = Sql.bind(spec, "since", since, Instant.class);
        }
        if (before != null) {
            spec = spec.bind("before", before);
        }
        return spec.map(this::map).all();
    }

    /** The first {@code limit} events passing {@code filter} with an id above {@code afterId}; oldest first. */
    public Flux<Event> after(long afterId, EventFilter filter, int limit) {
        StringBuilder sql = new StringBuilder("SELECT * FROM events WHERE id > :after");
        where(sql, filter);
        sql.append(" ORDER BY id LIMIT :limit");
        return bind(db.sql(sql.toString()), filter).bind("after", afterId).bind("limit", limit).map(this::map).all();
    }

    /** The highest id stored, 0 when there is none. */
    public Mono<Long> lastId() {
        return db.sql("SELECT MAX(id) AS last_id FROM events")
                .map(row -> {
                    Number value = row.get("last_id", Number.class);
                    return value == null ? 0L : value.longValue();
                })
                .one();
    }

    /** Deletes at most {@code maxRows} of the oldest events that happened before {@code cutoff}; completes with how many. */
    public Mono<Long> deleteBefore(Instant cutoff, int maxRows) {
        GenericExecuteSpec spec = db.sql("""
                DELETE FROM events WHERE id IN (
                    SELECT id FROM events WHERE occurred_at < :cutoff ORDER BY id LIMIT :maxRows)""")
                .bind("maxRows", maxRows);
        return Sql.bind(spec, "cutoff", cutoff, Instant.class).fetch().rowsUpdated();
    }

    private static void where(StringBuilder sql, EventFilter filter) {
        if (filter.agentId() != null) {
            sql.append(" AND agent_id = :agentId");
        }
        if (filter.workspaceId() != null) {
            sql.append(" AND workspace_id = :workspaceId");
        }
        if (!filter.types().isEmpty()) {
            sql.append(" AND type IN (:types)");
        }
    }

    private static GenericExecuteSpec bind(GenericExecuteSpec spec, EventFilter filter) {
        if (filter.agentId() != null) {
            spec = spec.bind("agentId", filter.agentId());
        }
        if (filter.workspaceId() != null) {
            spec = spec.bind("workspaceId", filter.workspaceId());
        }
        if (!filter.types().isEmpty()) {
            List<String> types = filter.types().stream().map(EventType::wire).sorted().toList();
            spec = spec.bind("types", types);
        }
        return spec;
    }

    private Event map(Readable row) {
        String detail = row.get("detail", String.class);
        return new Event(
                Sql.bigint(row, "id"),
                Sql.requiredInstant(row, "occurred_at"),
                EventType.fromWire("type", Sql.text(row, "type")),
                row.get("agent_id", String.class),
                row.get("workspace_id", String.class),
                row.get("reason", String.class),
                detail == null ? null : json.readValue(detail, DETAIL));
    }
}
