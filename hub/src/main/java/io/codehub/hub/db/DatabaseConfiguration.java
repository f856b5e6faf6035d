package io.codehub.hub.db;

import io.codehub.hub.config.DataDirectory;
import io.codehub.hub.config.DatabaseProperties;
import io.codehub.web.ConfigurationException;
import io.r2dbc.pool.ConnectionPool;
import io.r2dbc.spi.ConnectionFactory;
import org.flywaydb.core.api.FlywayException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.r2dbc.connection.R2dbcTransactionManager;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.transaction.ReactiveTransactionManager;
import org.springframework.transaction.reactive.TransactionalOperator;

/**
 * Chooses the database from {@code CODEHUB_DATABASE_URL}, migrates it, and exposes the pool, a
 * {@link DatabaseClient} and a {@link TransactionalOperator}. The pool is only created after the
 * migration succeeded, so no repository ever sees an old schema.
 */
@Configuration(proxyBeanMethods = false)
public class DatabaseConfiguration {

    private static final Logger log = LoggerFactory.getLogger(DatabaseConfiguration.class);

    @Bean
    DatabaseTarget databaseTarget(DatabaseProperties properties, DataDirectory dataDirectory) {
        try {
            return DatabaseTarget.of(properties.url(), dataDirectory.path());
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException("CODEHUB_DATABASE_URL", e.getMessage(),
                    "Use postgresql://user[:password]@host:port/database, or unset it for the embedded database.", e);
        }
    }

    @Bean(destroyMethod = "dispose")
    ConnectionPool connectionFactory(DatabaseTarget target, DatabaseProperties properties) {
        try {
            var result = HubDatabase.migrate(target);
            log.info("using the {} (schema version {}, {} migrations applied now)", target.describe(),
                    result.targetSchemaVersion == null ? result.initialSchemaVersion : result.targetSchemaVersion,
                    result.migrationsExecuted);
        } catch (FlywayException e) {
            throw new ConfigurationException("CODEHUB_DATABASE_URL", "cannot migrate the " + target.describe()
                    + ": " + e.getMessage().lines().findFirst().orElse(""),
                    "Check that the database is running and reachable with these credentials, "
                            + "or unset CODEHUB_DATABASE_URL for the embedded database.", e);
        }
        return HubDatabase.open(target, properties.poolSize(), properties.acquireTimeout());
    }

    @Bean
    DatabaseClient databaseClient(ConnectionFactory connectionFactory) {
        return DatabaseClient.create(connectionFactory);
    }

    @Bean
    ReactiveTransactionManager transactionManager(ConnectionFactory connectionFactory) {
        return new R2dbcTransactionManager(connectionFactory);
    }

    @Bean
    TransactionalOperator transactionalOperator(ReactiveTransactionManager transactionManager) {
        return TransactionalOperator.create(transactionManager);
    }
}
