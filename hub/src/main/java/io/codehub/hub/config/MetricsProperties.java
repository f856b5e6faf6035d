package io.codehub.hub.config;

import java.time.Duration;

import io.codehub.web.ConfigurationException;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Metrics, bound from {@code codehub.hub.metrics.*} (environment variables
 * {@code CODEHUB_HUB_METRICS_*}); listed in {@code docs/control-plane.md}, the meters in
 * {@code docs/operations.md}.
 *
 * @param token           a scrape-only bearer token for {@code /actuator/prometheus}, besides the
 *                        admin token; it opens nothing else ({@code CODEHUB_HUB_METRICS_TOKEN}, at
 *                        least 16 characters, default unset: only the admin token scrapes)
 * @param refreshInterval how often the gauges counted in the database (agents by status, workspaces by
 *                        state) are counted again; a scrape reads the last count and never queries
 *                        ({@code CODEHUB_HUB_METRICS_REFRESH_INTERVAL}, default 15s)
 */
@ConfigurationProperties("codehub.hub.metrics")
public record MetricsProperties(
        @Nullable String token,
        @DefaultValue("15s") Duration refreshInterval) {

    /** Shortest scrape token accepted. */
    public static final int MIN_TOKEN_LENGTH = 16;
    /** Longest scrape token accepted. */
    public static final int MAX_TOKEN_LENGTH = 512;

    public MetricsProperties {
        if (token != null && token.isBlank()) {
            token = null;
        }
        if (token != null && (token.length() < MIN_TOKEN_LENGTH || token.length() > MAX_TOKEN_LENGTH)) {
            throw new ConfigurationException("CODEHUB_HUB_METRICS_TOKEN", "the token has " + token.length()
                    + " characters (expected: " + MIN_TOKEN_LENGTH + ".." + MAX_TOKEN_LENGTH + ")",
                    "Use a random token of at least " + MIN_TOKEN_LENGTH
                            + " characters (e.g. openssl rand -base64 32), or unset it.");
        }
        ConfigurationChecks.positive("CODEHUB_HUB_METRICS_REFRESH_INTERVAL", refreshInterval);
    }
}
