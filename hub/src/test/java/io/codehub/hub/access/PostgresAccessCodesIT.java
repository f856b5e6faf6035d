package io.codehub.hub.access;

import io.codehub.hub.support.TestDatabase;

/**
 * Access codes and session keys on the real PostgreSQL at 127.0.0.1:5432 (database {@code test}),
 * in a schema of its own. An unreachable PostgreSQL fails this test: it is never skipped.
 */
class PostgresAccessCodesIT extends AbstractAccessCodesTest {

    @Override
    TestDatabase open() {
        return TestDatabase.postgres();
    }
}
