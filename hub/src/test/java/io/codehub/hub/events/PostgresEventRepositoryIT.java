package io.codehub.hub.events;

import io.codehub.hub.support.TestDatabase;

/**
 * The event history on the real PostgreSQL at 127.0.0.1:5432 (database {@code test}), in a schema
 * of its own. An unreachable PostgreSQL fails this test: it is never skipped.
 */
class PostgresEventRepositoryIT extends AbstractEventRepositoryTest {

    @Override
    TestDatabase open() {
        return TestDatabase.postgres();
    }
}
