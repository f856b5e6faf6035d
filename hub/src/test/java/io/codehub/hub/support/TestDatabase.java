package io.codehub.hub.support;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;

import io.codehub.hub.agents.AgentRepository;
import io.codehub.hub.db.DatabaseTarget;
import io.codehub.hub.db.HubDatabase;
import io.codehub.hub.workspaces.WorkspaceRepository;
import io.r2dbc.pool.ConnectionPool;
import org.springframework.r2dbc.connection.R2dbcTransactionManager;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.transaction.reactive.TransactionalOperator;
import tools.jackson.databind.json.JsonMapper;

/**
 * A migrated database for a test: an H2 file in a temporary directory, or a fresh schema of the
 * real PostgreSQL at 127.0.0.1:5432 (dropped on close). Opening PostgreSQL fails, never skips,
 * when it cannot be reached.
 */
public final class TestDatabase implements AutoCloseable {

    /** The PostgreSQL the test environment provides. */
    public static final String POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test";

    private final DatabaseTarget target;
    /** Longest wait at close for connections still on their way back to the pool. */
    private static final Duration RELEASE_WAIT = Duration.ofSeconds(5);

    private final ConnectionPool pool;
    private final DatabaseClient client;
    private final JsonMapper json = JsonMapper.builder().build();

    private TestDatabase(DatabaseTarget target, int poolSize) {
        this.target = target;
        HubDatabase.migrate(target);
        this.pool = HubDatabase.open(target, poolSize, Duration.ofSeconds(10));
        this.client = DatabaseClient.create(pool);
    }

    /** An embedded H2 database in {@code dir}. */
    public static TestDatabase h2(Path dir) {
        return new TestDatabase(DatabaseTarget.of(null, dir), 10);
    }

    /** A new schema in the test PostgreSQL. */
    public static TestDatabase postgres() {
        byte[] random = new byte[6];
        ThreadLocalRandom.current().nextBytes(random);
        return new TestDatabase(DatabaseTarget.of(postgresUrl("hub_test_" + HexFormat.of().formatHex(random)), Path.of(".")),
                10);
    }

    /** The URL of {@code schema} in the test PostgreSQL, for a hub under test. */
    public static String postgresUrl(String schema) {
        return POSTGRES_URL + "?schema=" + schema;
    }

    public DatabaseTarget target() {
        return target;
    }

    public DatabaseClient client() {
        return client;
    }

    public JsonMapper json() {
        return json;
    }

    public AgentRepository agents() {
        return new AgentRepository(client, json);
    }

    public WorkspaceRepository workspaces() {
        return new WorkspaceRepository(client, json);
    }

    public TransactionalOperator tx() {
        return TransactionalOperator.create(new R2dbcTransactionManager(pool));
    }

    @Override
    public void close() throws SQLException {
        // A blocked call returns as soon as it has its value, before its connection is back in the
        // pool; disposing the pool in between fails ("Too many permits returned"). Wait for them.
        long deadline = System.nanoTime() + RELEASE_WAIT.toNanos();
        while (pool.getMetrics().map(metrics -> metrics.acquiredSize() > 0).orElse(false)
                && System.nanoTime() < deadline) {
            LockSupport.parkNanos(1_000_000);
        }
        pool.dispose();
        if (target.schema() == null) {
            // H2 may still be writing its file after the pool's last connection closed; SHUTDOWN
            // returns once it is closed, so the test's temporary directory can then be deleted.
            try (Connection connection = DriverManager.getConnection(target.jdbcUrl(), target.user(), target.password());
                    Statement statement = connection.createStatement()) {
                statement.execute("SHUTDOWN");
            }
        } else {
            try (Connection connection = DriverManager.getConnection(target.jdbcUrl(), target.user(), target.password());
                    Statement statement = connection.createStatement()) {
                statement.execute("DROP SCHEMA " + target.schema() + " CASCADE");
            }
        }
    }
}
