package io.codehub.hub.events;

import java.nio.file.Path;

import io.codehub.hub.support.TestDatabase;
import org.junit.jupiter.api.io.TempDir;

/** The event history on the embedded H2 database (the hub's default). */
class H2EventRepositoryTest extends AbstractEventRepositoryTest {

    @TempDir
    static Path dir;

    @Override
    TestDatabase open() {
        return TestDatabase.h2(dir);
    }

    /** H2 counts the executions of each statement once asked to (its query statistics). */
    @Override
    long insertStatementsRun(TestDatabase database) {
        database.client().sql("SET QUERY_STATISTICS TRUE").then().block(TIMEOUT);
        Long count = database.client().sql("SELECT COALESCE(SUM(EXECUTION_COUNT), 0) AS n FROM "
                + "INFORMATION_SCHEMA.QUERY_STATISTICS WHERE SQL_STATEMENT LIKE 'INSERT INTO events%'")
                .map(row -> row.get("n", Long.class)).one().block(TIMEOUT);
        return count == null ? 0 : count;
    }
}
