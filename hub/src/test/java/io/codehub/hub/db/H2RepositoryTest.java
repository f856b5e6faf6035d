package io.codehub.hub.db;

import java.nio.file.Path;

import io.codehub.hub.support.TestDatabase;
import org.junit.jupiter.api.io.TempDir;

/** The repository behaviour on the embedded H2 database (the hub's default). */
class H2RepositoryTest extends AbstractRepositoryTest {

    @TempDir
    static Path dir;

    @Override
    TestDatabase open() {
        return TestDatabase.h2(dir);
    }
}
