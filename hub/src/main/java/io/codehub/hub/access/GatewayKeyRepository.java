package io.codehub.hub.access;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.List;

import io.codehub.hub.db.Sql;
import io.r2dbc.spi.Readable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.r2dbc.core.DatabaseClient.GenericExecuteSpec;
import reactor.core.publisher.Mono;

/**
 * The {@code gateway_keys} table: the session keys every hub on the database shares. The first hub
 * to find the table empty makes key 1; two hubs doing so at once collide on the primary key, and
 * the loser reads the winner's key, so all hubs always end up with the same keys.
 */
final class GatewayKeyRepository {

    private static final Logger log = LoggerFactory.getLogger(GatewayKeyRepository.class);
    private static final int FIRST_KEY = 1;

    private final DatabaseClient db;
    private final Clock clock;
    private final SecureRandom random;

    GatewayKeyRepository(DatabaseClient db, Clock clock, SecureRandom random) {
        this.db = db;
        this.clock = clock;
        this.random = random;
    }

    /** Every key, oldest first; key 1 is made when there is none. */
    Mono<List<GatewayKey>> loadOrCreate() {
        return load().flatMap(keys -> keys.isEmpty()
                ? create().onErrorResume(DataIntegrityViolationException.class, raced -> Mono.empty())
                        .then(load())
                : Mono.just(keys));
    }

    private Mono<List<GatewayKey>> load() {
        return db.sql("SELECT id, secret FROM gateway_keys ORDER BY id").map(GatewayKeyRepository::map).all()
                .collectList();
    }

    private Mono<Void> create() {
        byte[] secret = new byte[GatewayKey.SECRET_BYTES];
        random.nextBytes(secret);
        GenericExecuteSpec spec = db.sql(
                "INSERT INTO gateway_keys (id, secret, created_at) VALUES (:id, :secret, :createdAt)")
                .bind("id", FIRST_KEY)
                .bind("secret", Base64.getUrlEncoder().withoutPadding().encodeToString(secret));
        return Sql.bind(spec, "createdAt", clock.instant(), Instant.class).then()
                .doOnSuccess(done -> log.info("generated gateway session key {} in the database; every hub on this "
                        + "database signs and verifies gateway sessions with it", FIRST_KEY));
    }

    private static GatewayKey map(Readable row) {
        int id = Sql.integer(row, "id");
        String secret = Sql.text(row, "secret");
        try {
            return new GatewayKey(id, Base64.getUrlDecoder().decode(secret));
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("gateway_keys row " + id + " does not hold a base64url key of "
                    + GatewayKey.SECRET_BYTES + " bytes", e);
        }
    }
}
