package io.codehub.hub.db;

import java.time.Duration;

import io.r2dbc.pool.ConnectionPool;
import io.r2dbc.pool.ConnectionPoolConfiguration;
import io.r2dbc.spi.ConnectionFactories;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;

/**
 * Brings a {@link DatabaseTarget} up to the hub's schema with Flyway (over JDBC, once, at start-up)
 * and opens the R2DBC connection pool everything else uses.
 *
 * <h2>Recovery</h2>
 * The pool validates a connection before lending it and gives up waiting after the acquire
 * timeout, so while the database is down calls fail fast (the API answers 503) and once it is back
 * new connections are opened without a restart.
 */
public final class HubDatabase {

    /** Where the migrations are: {@code src/main/resources/db/migration}. */
    public static final String MIGRATIONS = "classpath:db/migration";

    private HubDatabase() {
    }

    /** Applies every pending migration; blocking, for start-up only. */
    public static MigrateResult migrate(DatabaseTarget target) {
        var configuration = Flyway.configure()
                .dataSource(target.jdbcUrl(), target.user(), target.password())
                .locations(MIGRATIONS)
                .failOnMissingLocations(true);
        if (target.schema() != null) {
            configuration.schemas(target.schema()).createSchemas(true);
        }
        return configuration.load().migrate();
    }

    /** Opens a pool of at most {@code maxSize} connections to the (migrated) database. */
    public static ConnectionPool open(DatabaseTarget target, int maxSize, Duration acquireTimeout) {
        var factory = ConnectionFactories.get(target.r2dbcOptions(acquireTimeout));
        var configuration = ConnectionPoolConfiguration.builder(factory)
                .name("codehub-hub")
                .initialSize(0)
                .minIdle(0)
                .maxSize(maxSize)
                .maxAcquireTime(acquireTimeout)
                .maxCreateConnectionTime(acquireTimeout)
                .maxIdleTime(Duration.ofMinutes(10))
                .maxValidationTime(acquireTimeout)
                .validationQuery("SELECT 1")
                .build();
        return new ConnectionPool(configuration);
    }
}
