package io.codehub.hub.config;

import java.time.Duration;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Admin authentication, bound from {@code codehub.admin.*}.
 *
 * @param token            the admin bearer token ({@code CODEHUB_ADMIN_TOKEN}, at least 16 characters); unset
 *                         means the hub generates one on first start, prints it once and keeps only its hash
 * @param failedAuthBurst  requests under {@code /api/} answered 401 (wrong or missing token) one client address
 *                         may have in a row before it gets 429 ({@code CODEHUB_ADMIN_FAILED_AUTH_BURST}, default 10)
 * @param failedAuthRefill the address earns back one attempt per this period
 *                         ({@code CODEHUB_ADMIN_FAILED_AUTH_REFILL}, default 6s)
 */
@ConfigurationProperties("codehub.admin")
public record AdminProperties(
        @Nullable String token,
        @DefaultValue("10") int failedAuthBurst,
        @DefaultValue("6s") Duration failedAuthRefill) {

    public AdminProperties {
        ConfigurationChecks.inRange("CODEHUB_ADMIN_FAILED_AUTH_BURST", failedAuthBurst, 1, 1_000_000);
        ConfigurationChecks.positive("CODEHUB_ADMIN_FAILED_AUTH_REFILL", failedAuthRefill);
    }
}
