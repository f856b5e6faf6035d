package io.codehub.hub.config;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Admin authentication, bound from {@code codehub.admin.*}.
 *
 * @param token the admin bearer token ({@code CODEHUB_ADMIN_TOKEN}, at least 16 characters); unset
 *              means the hub generates one on first start, prints it once and keeps only its hash
 */
@ConfigurationProperties("codehub.admin")
public record AdminProperties(@Nullable String token) {
}
