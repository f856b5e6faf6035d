package io.codehub.hub.access;

import java.nio.file.Path;

import io.codehub.hub.support.TestDatabase;
import org.junit.jupiter.api.io.TempDir;

/** Access codes and session keys on the embedded H2 database (the hub's default). */
class H2AccessCodesTest extends AbstractAccessCodesTest {

    @TempDir
    static Path dir;

    @Override
    TestDatabase open() {
        return TestDatabase.h2(dir);
    }
}
