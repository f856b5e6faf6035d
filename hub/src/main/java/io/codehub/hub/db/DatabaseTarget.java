package io.codehub.hub.db;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Pattern;

import io.r2dbc.spi.ConnectionFactoryOptions;
import io.r2dbc.spi.Option;
import org.jspecify.annotations.Nullable;

/**
 * The one database the hub uses: an embedded H2 file database (the zero-setup default) or
 * PostgreSQL, named by {@code CODEHUB_DATABASE_URL}. Knows how to reach it both over JDBC (for
 * Flyway's migrations) and over R2DBC (for everything else). {@link #toString()} never shows the
 * password.
 */
public sealed interface DatabaseTarget {

    /** The JDBC URL Flyway migrates through. */
    String jdbcUrl();

    /** The user for JDBC, when the database needs one. */
    @Nullable String user();

    /** The password for JDBC, when the database needs one. */
    @Nullable String password();

    /** The schema the hub's tables live in, or {@code null} for the database's default. */
    @Nullable String schema();

    /** The R2DBC options the connection pool opens connections with. */
    ConnectionFactoryOptions r2dbcOptions(Duration connectTimeout);

    /** Where the database is, for logs and error messages (never the password). */
    String describe();

    /**
     * The target named by {@code url} ({@code postgresql://user[:password]@host:port/db[?schema=name]}),
     * or the embedded database under {@code dataDir} when {@code url} is null or blank.
     *
     * @throws IllegalArgumentException saying what is wrong with {@code url}
     */
    static DatabaseTarget of(@Nullable String url, Path dataDir) {
        if (url == null || url.isBlank()) {
            return new Embedded(dataDir.resolve("codehub"));
        }
        return Postgres.parse(url.trim());
    }

    /** An H2 database in one file ({@code <dataDir>/codehub.mv.db}), used by this process only. */
    record Embedded(Path file) implements DatabaseTarget {

        // DB_CLOSE_ON_EXIT=FALSE: the pool, not H2's shutdown hook, closes the database on shutdown.
        // LOCK_TIMEOUT: concurrent placements wait for a row lock instead of failing after H2's 1 s.
        private static final String SETTINGS = "DB_CLOSE_ON_EXIT=FALSE;LOCK_TIMEOUT=10000";

        public Embedded {
            file = file.toAbsolutePath().normalize();
            if (file.toString().contains(";")) {
                throw new IllegalArgumentException("the data directory path " + file + " contains ';' (H2 cannot use it)");
            }
        }

        @Override
        public String jdbcUrl() {
            return "jdbc:h2:file:" + file + ";" + SETTINGS;
        }

        @Override
        public @Nullable String user() {
            return null;
        }

        @Override
        public @Nullable String password() {
            return null;
        }

        @Override
        public @Nullable String schema() {
            return null;
        }

        @Override
        public ConnectionFactoryOptions r2dbcOptions(Duration connectTimeout) {
            return ConnectionFactoryOptions.builder()
                    .option(ConnectionFactoryOptions.DRIVER, "h2")
                    .option(ConnectionFactoryOptions.PROTOCOL, "file")
                    .option(ConnectionFactoryOptions.DATABASE, file.toString())
                    .option(Option.valueOf("options"), SETTINGS)
                    .build();
        }

        @Override
        public String describe() {
            return "embedded H2 database " + file + ".mv.db";
        }
    }

    /** A PostgreSQL database. */
    record Postgres(String host, int port, String database, String user, @Nullable String password,
            @Nullable String schema) implements DatabaseTarget {

        /** Prepared statements one connection keeps on the server at most, the least recently used closed first. */
        static final int MAX_PREPARED_STATEMENTS = 256;
        private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,62}");
        /** r2dbc-postgresql's option for the binary format of parameters and results. */
        private static final Option<Boolean> FORCE_BINARY = Option.valueOf("forceBinary");
        /** r2dbc-postgresql's option for how many prepared statements a connection keeps (-1: all, its default). */
        private static final Option<Integer> PREPARED_STATEMENT_CACHE = Option.valueOf("preparedStatementCacheQueries");
        private static final Pattern SCHEMA = Pattern.compile("[a-z_][a-z0-9_]{0,62}");
        private static final String EXPECTED = " (expected: postgresql://user[:password]@host:port/database)";

        public Postgres {
            if (schema != null && !SCHEMA.matcher(schema).matches()) {
                throw new IllegalArgumentException("schema '" + schema + "' (expected: [a-z_][a-z0-9_]*)");
            }
        }

        static Postgres parse(String url) {
            URI uri;
            try {
                uri = new URI(url);
            } catch (URISyntaxException e) {
                throw new IllegalArgumentException("not a URL: " + e.getReason() + EXPECTED, e);
            }
            String scheme = uri.getScheme();
            if (!"postgresql".equals(scheme) && !"postgres".equals(scheme)) {
                throw new IllegalArgumentException("scheme '" + scheme + "' is not supported" + EXPECTED);
            }
            String host = uri.getHost();
            if (host == null || host.isBlank()) {
                throw new IllegalArgumentException("no host" + EXPECTED);
            }
            int port = uri.getPort() == -1 ? 5432 : uri.getPort();
            String path = uri.getPath() == null ? "" : uri.getPath();
            String database = path.startsWith("/") ? path.substring(1) : path;
            if (!NAME.matcher(database).matches()) {
                throw new IllegalArgumentException("database name '" + database + "'" + EXPECTED);
            }
            String userInfo = uri.getRawUserInfo();
            if (userInfo == null || userInfo.isBlank()) {
                throw new IllegalArgumentException("no user" + EXPECTED);
            }
            int colon = userInfo.indexOf(':');
            String user = decode(colon < 0 ? userInfo : userInfo.substring(0, colon));
            String password = colon < 0 ? null : decode(userInfo.substring(colon + 1));
            String schema = null;
            String query = uri.getRawQuery();
            if (query != null && !query.isBlank()) {
                for (String parameter : query.split("&")) {
                    if (parameter.startsWith("schema=")) {
                        schema = decode(parameter.substring("schema=".length()));
                    } else {
                        throw new IllegalArgumentException("unknown parameter '" + parameter.split("=", 2)[0]
                                + "' (expected: only ?schema=name)");
                    }
                }
            }
            return new Postgres(host, port, database, user, password, schema);
        }

        private static String decode(String value) {
            return URLDecoder.decode(value, StandardCharsets.UTF_8);
        }

        @Override
        public String jdbcUrl() {
            String hostPart = host.contains(":") ? "[" + host + "]" : host;
            return "jdbc:postgresql://" + hostPart + ":" + port + "/" + database
                    + (schema == null ? "" : "?currentSchema=" + schema);
        }

        @Override
        public ConnectionFactoryOptions r2dbcOptions(Duration connectTimeout) {
            ConnectionFactoryOptions.Builder options = ConnectionFactoryOptions.builder()
                    .option(ConnectionFactoryOptions.DRIVER, "postgresql")
                    .option(ConnectionFactoryOptions.HOST, host)
                    .option(ConnectionFactoryOptions.PORT, port)
                    .option(ConnectionFactoryOptions.DATABASE, database)
                    .option(ConnectionFactoryOptions.USER, user)
                    .option(ConnectionFactoryOptions.CONNECT_TIMEOUT, connectTimeout)
                    // Rows in the binary format: a timestamp is eight bytes to read, where its text is
                    // parsed with a formatter (with 10,000 agents, most of the hub's steady allocation
                    // and so most of its GC pauses).
                    .option(FORCE_BINARY, true)
                    // The driver prepares each statement text once per connection and, by default, keeps
                    // every one on the server for the connection's life; a statement with an IN list of
                    // n ids (batched reads and writes) is a new text for every n, so the server's memory
                    // per connection would grow with each batch size ever used. The least recently used
                    // beyond the cap are closed on the server.
                    .option(PREPARED_STATEMENT_CACHE, MAX_PREPARED_STATEMENTS);
            if (password != null) {
                options.option(ConnectionFactoryOptions.PASSWORD, password);
            }
            if (schema != null) {
                options.option(Option.valueOf("schema"), schema);
            }
            return options.build();
        }

        @Override
        public String describe() {
            return "PostgreSQL database " + database + " at " + host + ":" + port + " as " + user
                    + (schema == null ? "" : " (schema " + schema + ")");
        }

        @Override
        public String toString() {
            return "Postgres[" + describe() + "]";
        }
    }
}
