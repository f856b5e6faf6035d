package io.codehub.hub.access;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

import io.codehub.hub.db.DatabaseTarget;
import io.codehub.hub.support.TestDatabase;
import org.junit.jupiter.api.AfterAll;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The access API suite again, with the hub on the real PostgreSQL ({@code CODEHUB_DATABASE_URL}) in
 * a schema of its own that is dropped afterwards. An unreachable PostgreSQL fails the suite.
 */
class AccessApiPostgresIT extends AccessApiTest {

    static final String SCHEMA = "hub_access_" + HexFormat.of().formatHex(randomBytes());

    @DynamicPropertySource
    static void postgres(DynamicPropertyRegistry registry) {
        registry.add("codehub.database.url", () -> TestDatabase.postgresUrl(SCHEMA));
    }

    @AfterAll
    static void dropSchema() throws Exception {
        DatabaseTarget target = DatabaseTarget.of(TestDatabase.postgresUrl(SCHEMA), Path.of("."));
        try (Connection connection = DriverManager.getConnection(target.jdbcUrl(), target.user(), target.password());
                Statement statement = connection.createStatement()) {
            statement.execute("DROP SCHEMA IF EXISTS " + SCHEMA + " CASCADE");
        }
    }

    private static byte[] randomBytes() {
        byte[] bytes = new byte[6];
        ThreadLocalRandom.current().nextBytes(bytes);
        return bytes;
    }
}
