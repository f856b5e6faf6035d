package io.codehub.hub.db;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;

import io.codehub.hub.support.TestDatabase;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactories;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A connection to the real PostgreSQL keeps a bounded number of prepared statements on the server:
 * batched reads and writes make a new statement text for every batch size, and the driver's default
 * kept every one for the connection's life. An unreachable PostgreSQL fails this test.
 */
@Timeout(60)
class PreparedStatementsIT {

    private static final Duration WAIT = Duration.ofSeconds(20);

    @Test
    void aConnectionKeepsAtMostTheCapOfPreparedStatementsOnTheServer() {
        DatabaseTarget target = DatabaseTarget.of(TestDatabase.POSTGRES_URL, Path.of("."));
        Connection connection = Mono.from(ConnectionFactories.get(target.r2dbcOptions(WAIT)).create()).block(WAIT);
        try {
            int texts = DatabaseTarget.Postgres.MAX_PREPARED_STATEMENTS + 64;
            for (int n = 0; n < texts; n++) {
                // A parameter makes the driver prepare it (extended query); each text is new.
                Integer sum = Flux.from(connection.createStatement("SELECT $1::int + " + n).bind(0, 1).execute())
                        .flatMap(result -> result.map((row, meta) -> row.get(0, Integer.class))).blockLast(WAIT);
                assertThat(sum).isEqualTo(n + 1);
            }
            Long prepared = Flux.from(connection.createStatement("SELECT count(*) FROM pg_prepared_statements").execute())
                    .flatMap(result -> result.map((row, meta) -> row.get(0, Long.class))).blockLast(WAIT);
            assertThat(prepared).as("prepared statements on the server after %d texts", texts)
                    .isLessThanOrEqualTo(DatabaseTarget.Postgres.MAX_PREPARED_STATEMENTS)
                    .isGreaterThan(DatabaseTarget.Postgres.MAX_PREPARED_STATEMENTS / 2);
        } finally {
            Mono.from(connection.close()).block(WAIT);
        }
    }
}
