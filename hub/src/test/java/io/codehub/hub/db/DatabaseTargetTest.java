package io.codehub.hub.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;

import io.r2dbc.spi.ConnectionFactoryOptions;
import org.junit.jupiter.api.Test;

class DatabaseTargetTest {

    @Test
    void unsetMeansTheEmbeddedDatabaseInTheDataDirectory() {
        DatabaseTarget target = DatabaseTarget.of(" ", Path.of("/var/lib/codehub"));
        assertThat(target).isInstanceOf(DatabaseTarget.Embedded.class);
        assertThat(target.jdbcUrl()).startsWith("jdbc:h2:file:/var/lib/codehub/codehub;");
        assertThat(target.r2dbcOptions(Duration.ofSeconds(1)).getValue(ConnectionFactoryOptions.DATABASE))
                .isEqualTo("/var/lib/codehub/codehub");
    }

    @Test
    void parsesAPostgresUrlWithEncodedPassword() {
        DatabaseTarget target = DatabaseTarget.of("postgresql://hub:p%40ss%3Aword@db.internal:6543/codehub?schema=ch",
                Path.of("."));
        assertThat(target).isEqualTo(new DatabaseTarget.Postgres("db.internal", 6543, "codehub", "hub", "p@ss:word", "ch"));
        assertThat(target.jdbcUrl()).isEqualTo("jdbc:postgresql://db.internal:6543/codehub?currentSchema=ch");
        ConnectionFactoryOptions options = target.r2dbcOptions(Duration.ofSeconds(3));
        assertThat(options.getValue(ConnectionFactoryOptions.PASSWORD)).hasToString("p@ss:word");
        assertThat(options.getValue(ConnectionFactoryOptions.PORT)).isEqualTo(6543);
        assertThat(target.toString()).doesNotContain("p@ss");
        assertThat(target.describe()).doesNotContain("p@ss");
    }

    @Test
    void defaultsThePortAndAllowsNoPassword() {
        DatabaseTarget.Postgres target = (DatabaseTarget.Postgres) DatabaseTarget.of("postgres://postgres@127.0.0.1/test",
                Path.of("."));
        assertThat(target.port()).isEqualTo(5432);
        assertThat(target.password()).isNull();
        assertThat(target.schema()).isNull();
    }

    @Test
    void rejectsWhatItCannotUseAndSaysWhy() {
        assertThatThrownBy(() -> DatabaseTarget.of("mysql://u@h/db", Path.of(".")))
                .hasMessageContaining("scheme 'mysql' is not supported");
        assertThatThrownBy(() -> DatabaseTarget.of("postgresql://h:5432/db", Path.of(".")))
                .hasMessageContaining("no user");
        assertThatThrownBy(() -> DatabaseTarget.of("postgresql://u@h:5432/", Path.of(".")))
                .hasMessageContaining("database name");
        assertThatThrownBy(() -> DatabaseTarget.of("postgresql://u@h/db?sslmode=require", Path.of(".")))
                .hasMessageContaining("unknown parameter 'sslmode'");
        assertThatThrownBy(() -> DatabaseTarget.of("postgresql://u@h/db?schema=Bad-Name", Path.of(".")))
                .hasMessageContaining("schema");
    }
}
