package io.codehub.hub.config;

import java.time.Duration;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Which database the hub uses, bound from {@code codehub.database.*}.
 *
 * @param url            {@code postgresql://user[:password]@host:port/db[?schema=name]}
 *                       ({@code CODEHUB_DATABASE_URL}); unset means an embedded H2 file database
 *                       under {@code CODEHUB_HUB_DATA_DIR}
 * @param poolSize       most connections open at once ({@code CODEHUB_DATABASE_POOL_SIZE}, default 10)
 * @param acquireTimeout longest wait for a connection before a call fails with 503
 *                       ({@code CODEHUB_DATABASE_ACQUIRE_TIMEOUT}, default 5s)
 */
@ConfigurationProperties("codehub.database")
public record DatabaseProperties(
        @Nullable String url,
        @DefaultValue("10") int poolSize,
        @DefaultValue("5s") Duration acquireTimeout) {

    public DatabaseProperties {
        ConfigurationChecks.inRange("CODEHUB_DATABASE_POOL_SIZE", poolSize, 1, 1000);
        ConfigurationChecks.positive("CODEHUB_DATABASE_ACQUIRE_TIMEOUT", acquireTimeout);
    }
}
