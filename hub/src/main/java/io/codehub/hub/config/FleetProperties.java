package io.codehub.hub.config;

import java.time.Duration;

import io.codehub.web.ConfigurationException;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The fleet history the dashboard charts, bound from {@code codehub.hub.fleet.*} (environment
 * variables {@code CODEHUB_HUB_FLEET_*}, listed in {@code docs/operations.md}).
 *
 * @param sampleInterval how often the hub counts its tunnels and their round-trip times
 *                       ({@code CODEHUB_HUB_FLEET_SAMPLE_INTERVAL}, default 10s, 1s to 5m)
 * @param window         how far back the history goes ({@code CODEHUB_HUB_FLEET_WINDOW}, default 1h, at
 *                       most 24h and 10,000 samples)
 */
@ConfigurationProperties("codehub.hub.fleet")
public record FleetProperties(
        @DefaultValue("10s") Duration sampleInterval,
        @DefaultValue("1h") Duration window) {

    /** Most samples a history may keep. */
    public static final int MAX_SAMPLES = 10_000;

    public FleetProperties {
        ConfigurationChecks.positive("CODEHUB_HUB_FLEET_SAMPLE_INTERVAL", sampleInterval);
        ConfigurationChecks.positive("CODEHUB_HUB_FLEET_WINDOW", window);
        if (sampleInterval.compareTo(Duration.ofSeconds(1)) < 0 || sampleInterval.compareTo(Duration.ofMinutes(5)) > 0) {
            throw new ConfigurationException("CODEHUB_HUB_FLEET_SAMPLE_INTERVAL", sampleInterval + " is out of range",
                    "Set CODEHUB_HUB_FLEET_SAMPLE_INTERVAL between 1s and 5m.");
        }
        if (window.compareTo(sampleInterval) < 0 || window.compareTo(Duration.ofHours(24)) > 0
                || window.toMillis() / sampleInterval.toMillis() > MAX_SAMPLES) {
            throw new ConfigurationException("CODEHUB_HUB_FLEET_WINDOW", window + " does not fit " + sampleInterval
                    + " samples", "Set CODEHUB_HUB_FLEET_WINDOW between the sample interval and 24h, with at most "
                    + MAX_SAMPLES + " samples in it.");
        }
    }
}
