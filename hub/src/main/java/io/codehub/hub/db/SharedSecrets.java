package io.codehub.hub.db;

import java.time.Duration;
import java.util.function.Supplier;

import org.springframework.r2dbc.core.DatabaseClient;
import reactor.core.publisher.Mono;

/**
 * The {@code cluster_keys} table: secrets every hub on one database shares (the hubs' signing key,
 * the relay tokens' key). The first hub to find a secret missing stores its own; two hubs racing
 * both end up with the one that was stored first.
 */
public final class SharedSecrets {

    /** Longest wait for the database at start-up, when the secrets are read. */
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final DatabaseClient db;

    public SharedSecrets(DatabaseClient db) {
        this.db = db;
    }

    /** The secret stored under {@code name}; {@code candidate}'s when there was none. Blocking, for start-up. */
    public String getOrStore(String name, Supplier<String> candidate) {
        String secret = read(name).switchIfEmpty(Mono.defer(() -> db.sql("""
                        INSERT INTO cluster_keys (name, secret, created_at) VALUES (:name, :secret, now())
                        ON CONFLICT (name) DO NOTHING""")
                        .bind("name", name).bind("secret", candidate.get()).then()
                        .then(read(name))))
                .block(TIMEOUT);
        if (secret == null) {
            throw new IllegalStateException("no secret '" + name + "' in table cluster_keys, and none could be stored");
        }
        return secret;
    }

    private Mono<String> read(String name) {
        return db.sql("SELECT secret FROM cluster_keys WHERE name = :name").bind("name", name)
                .map(row -> Sql.text(row, "secret")).one();
    }
}
