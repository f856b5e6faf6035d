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
}
