package io.codehub.hub.config;

import java.net.URI;
import java.time.Duration;
import java.util.List;

import io.codehub.web.ConfigurationException;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Outgoing webhooks, bound from {@code codehub.hub.webhooks.*} (environment variables
 * {@code CODEHUB_HUB_WEBHOOKS_*}); listed in {@code docs/operations.md}. Off while {@code urls} is
 * empty.
 *
 * @param urls        where each event is POSTed, {@code http} or {@code https}, at most
 *                    {@value #MAX_URLS} ({@code CODEHUB_HUB_WEBHOOKS_URLS}, comma-separated; default none)
 * @param secret      the HMAC-SHA256 key of the {@code Codehub-Signature} header, at least
 *                    {@value #MIN_SECRET} characters; required with {@code urls}
 *                    ({@code CODEHUB_HUB_WEBHOOKS_SECRET})
 * @param events      the event types sent ({@code CODEHUB_HUB_WEBHOOKS_EVENTS}, comma-separated; default
 *                    {@code agent.connected,agent.disconnected,agent.health-changed}: agents going online and offline)
 * @param timeout     longest one delivery attempt may take, connect to last response byte
 *                    ({@code CODEHUB_HUB_WEBHOOKS_TIMEOUT}, default 10s)
 * @param maxAttempts attempts per event before it is given up, 1..20 ({@code CODEHUB_HUB_WEBHOOKS_MAX_ATTEMPTS},
 *                    default 6)
 * @param backoff     delay before the second attempt, doubled after each failure, within ±50 %
 *                    ({@code CODEHUB_HUB_WEBHOOKS_BACKOFF}, default 1s)
 * @param maxBackoff  longest delay between two attempts ({@code CODEHUB_HUB_WEBHOOKS_MAX_BACKOFF}, default 1m)
 * @param maxAge      an event older than this when its turn comes is skipped, so an endpoint that was
 *                    down for long gets news, not history ({@code CODEHUB_HUB_WEBHOOKS_MAX_AGE}, default 15m)
 */
@ConfigurationProperties("codehub.hub.webhooks")
public record WebhookProperties(
        @DefaultValue List<URI> urls,
        @Nullable String secret,
        @DefaultValue({"agent.connected", "agent.disconnected", "agent.health-changed"}) List<String> events,
        @DefaultValue("10s") Duration timeout,
        @DefaultValue("6") int maxAttempts,
        @DefaultValue("1s") Duration backoff,
        @DefaultValue("1m") Duration maxBackoff,
        @DefaultValue("15m") Duration maxAge) {

    /** Most webhook URLs. */
    public static final int MAX_URLS = 8;
    /** Shortest secret. */
    public static final int MIN_SECRET = 32;

    public WebhookProperties {
        urls = List.copyOf(urls);
        events = List.copyOf(events);
        if (urls.size() > MAX_URLS) {
            throw new ConfigurationException("CODEHUB_HUB_WEBHOOKS_URLS", urls.size() + " URLs (at most " + MAX_URLS + ")",
                    "Name at most " + MAX_URLS + " URLs; fan out behind one of them if you need more.");
        }
        for (URI url : urls) {
            if (!url.isAbsolute() || !List.of("http", "https").contains(url.getScheme()) || url.getHost() == null
                    || url.getUserInfo() != null) {
                throw new ConfigurationException("CODEHUB_HUB_WEBHOOKS_URLS", "'" + url + "' is not an http(s) URL "
                        + "with a host and without user information", "Give absolute URLs such as https://alerts.example.com/codehub.");
            }
        }
        if (!urls.isEmpty() && (secret == null || secret.length() < MIN_SECRET)) {
            throw new ConfigurationException("CODEHUB_HUB_WEBHOOKS_SECRET",
                    secret == null ? "missing" : "shorter than " + MIN_SECRET + " characters",
                    "Set a random secret of at least " + MIN_SECRET + " characters (openssl rand -hex 32); "
                            + "receivers verify the Codehub-Signature header with it.");
        }
        if (events.isEmpty()) {
            throw new ConfigurationException("CODEHUB_HUB_WEBHOOKS_EVENTS", "empty",
                    "Name at least one event type, e.g. agent.connected,agent.disconnected.");
        }
        ConfigurationChecks.positive("CODEHUB_HUB_WEBHOOKS_TIMEOUT", timeout);
        ConfigurationChecks.inRange("CODEHUB_HUB_WEBHOOKS_MAX_ATTEMPTS", maxAttempts, 1, 20);
        ConfigurationChecks.positive("CODEHUB_HUB_WEBHOOKS_BACKOFF", backoff);
        ConfigurationChecks.positive("CODEHUB_HUB_WEBHOOKS_MAX_BACKOFF", maxBackoff);
        if (maxBackoff.compareTo(backoff) < 0) {
            throw new ConfigurationException("CODEHUB_HUB_WEBHOOKS_MAX_BACKOFF", maxBackoff + " (shorter than "
                    + "CODEHUB_HUB_WEBHOOKS_BACKOFF " + backoff + ")", "Give a longest delay at least as long as the first.");
        }
        ConfigurationChecks.positive("CODEHUB_HUB_WEBHOOKS_MAX_AGE", maxAge);
    }

    /**
     * Where {@code url} points, without path or query: webhook URLs often carry a secret there
     * (chat services' incoming webhooks do), so logs show only this.
     */
    public static String origin(URI url) {
        return url.getScheme() + "://" + url.getHost() + (url.getPort() < 0 ? "" : ":" + url.getPort());
    }

    /** The same settings with the secret, and the URLs' paths and queries, left out. */
    @Override
    public String toString() {
        return "WebhookProperties[urls=" + urls.stream().map(WebhookProperties::origin).toList() + ", events=" + events + ", timeout=" + timeout + ", maxAttempts="
                + maxAttempts + ", backoff=" + backoff + ", maxBackoff=" + maxBackoff + ", maxAge=" + maxAge + "]";
    }
}
