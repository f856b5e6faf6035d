package io.codehub.hub.config;

import java.nio.file.Path;
import java.time.Duration;

import io.codehub.web.ConfigurationException;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The hub's configuration, bound from {@code codehub.hub.*} (environment variables
 * {@code CODEHUB_HUB_*}). The environment variable names are the public interface, listed in
 * {@code docs/control-plane.md}; {@link HubConfiguration} validates every value at start-up.
 *
 * @param dataDir        directory of the embedded database, the hub's key and the generated admin
 *                       token's hash ({@code CODEHUB_HUB_DATA_DIR}, default {@code ./data})
 * @param apiKeys        agent API key settings ({@code CODEHUB_HUB_API_KEYS_*})
 * @param remote         how the hub calls agents ({@code CODEHUB_HUB_REMOTE_*})
 * @param health         agent health checking ({@code CODEHUB_HUB_HEALTH_*})
 * @param reconciler     the workspace reconciler ({@code CODEHUB_HUB_RECONCILER_*})
 * @param maxBodyBytes   largest request body the API accepts ({@code CODEHUB_HUB_MAX_BODY_BYTES}, default 65536)
 */
@ConfigurationProperties("codehub.hub")
public record HubProperties(
        @DefaultValue("./data") Path dataDir,
        @DefaultValue ApiKeys apiKeys,
        @DefaultValue Remote remote,
        @DefaultValue Health health,
        @DefaultValue Reconciler reconciler,
        @DefaultValue("65536") int maxBodyBytes) {

    public HubProperties {
        ConfigurationChecks.inRange("CODEHUB_HUB_MAX_BODY_BYTES", maxBodyBytes, 1024, 16 * 1024 * 1024);
    }

    /**
     * Agent API keys.
     *
     * @param gracePeriod  how long the previous key keeps working after a rotation
     *                     ({@code CODEHUB_HUB_API_KEYS_GRACE_PERIOD}, default 24h)
     * @param bcryptCost   bcrypt cost factor of stored key hashes, 4..16
     *                     ({@code CODEHUB_HUB_API_KEYS_BCRYPT_COST}, default 4: the secrets are 256 random bits)
     */
    public record ApiKeys(
            @DefaultValue("24h") Duration gracePeriod,
            @DefaultValue("4") int bcryptCost) {

        public ApiKeys {
            ConfigurationChecks.positive("CODEHUB_HUB_API_KEYS_GRACE_PERIOD", gracePeriod);
            ConfigurationChecks.inRange("CODEHUB_HUB_API_KEYS_BCRYPT_COST", bcryptCost, 4, 16);
        }
    }

    /**
     * How the hub calls agents (RemoteRuntime).
     *
     * @param callTimeout      longest one Agent API call may take, per attempt
     *                         ({@code CODEHUB_HUB_REMOTE_CALL_TIMEOUT}, default 30s)
     * @param connectTimeout   TCP connect timeout ({@code CODEHUB_HUB_REMOTE_CONNECT_TIMEOUT}, default 5s)
     * @param maxRetries       retries of an idempotent call after a transport failure or 503
     *                         ({@code CODEHUB_HUB_REMOTE_MAX_RETRIES}, default 3)
     * @param retryBackoff     first retry delay, doubled each time, each delay drawn within ±50 %
     *                         and never shorter ({@code CODEHUB_HUB_REMOTE_RETRY_BACKOFF}, default 200ms)
     * @param retryMaxBackoff  longest retry delay, at least {@code retryBackoff}
     *                         ({@code CODEHUB_HUB_REMOTE_RETRY_MAX_BACKOFF}, default 5s)
     * @param tokenTtl         lifetime of the hub-signed token sent to agents
     *                         ({@code CODEHUB_HUB_REMOTE_TOKEN_TTL}, default 5m)
     * @param tokenRenewBefore a token is replaced this long before it expires
     *                         ({@code CODEHUB_HUB_REMOTE_TOKEN_RENEW_BEFORE}, default 1m)
     */
    public record Remote(
            @DefaultValue("30s") Duration callTimeout,
            @DefaultValue("5s") Duration connectTimeout,
            @DefaultValue("3") int maxRetries,
            @DefaultValue("200ms") Duration retryBackoff,
            @DefaultValue("5s") Duration retryMaxBackoff,
            @DefaultValue("5m") Duration tokenTtl,
            @DefaultValue("1m") Duration tokenRenewBefore) {

        public Remote {
            ConfigurationChecks.positive("CODEHUB_HUB_REMOTE_CALL_TIMEOUT", callTimeout);
            ConfigurationChecks.positive("CODEHUB_HUB_REMOTE_CONNECT_TIMEOUT", connectTimeout);
            ConfigurationChecks.inRange("CODEHUB_HUB_REMOTE_MAX_RETRIES", maxRetries, 0, 20);
            ConfigurationChecks.positive("CODEHUB_HUB_REMOTE_RETRY_BACKOFF", retryBackoff);
            ConfigurationChecks.positive("CODEHUB_HUB_REMOTE_RETRY_MAX_BACKOFF", retryMaxBackoff);
            atLeast("CODEHUB_HUB_REMOTE_RETRY_MAX_BACKOFF", retryMaxBackoff, "CODEHUB_HUB_REMOTE_RETRY_BACKOFF",
                    retryBackoff);
            ConfigurationChecks.positive("CODEHUB_HUB_REMOTE_TOKEN_TTL", tokenTtl);
            ConfigurationChecks.positive("CODEHUB_HUB_REMOTE_TOKEN_RENEW_BEFORE", tokenRenewBefore);
            if (tokenRenewBefore.compareTo(tokenTtl) >= 0) {
                throw new ConfigurationException("CODEHUB_HUB_REMOTE_TOKEN_RENEW_BEFORE",
                        tokenRenewBefore + " is not shorter than the token lifetime " + tokenTtl,
                        "Make CODEHUB_HUB_REMOTE_TOKEN_RENEW_BEFORE shorter than CODEHUB_HUB_REMOTE_TOKEN_TTL.");
            }
        }
    }

    /**
     * Agent health checking.
     *
     * @param interval          time between two checks of a healthy agent
     *                          ({@code CODEHUB_HUB_HEALTH_INTERVAL}, default 30s)
     * @param timeout           longest one check may take ({@code CODEHUB_HUB_HEALTH_TIMEOUT}, default 10s)
     * @param failureThreshold  consecutive failed checks that mark an agent {@code error}
     *                          ({@code CODEHUB_HUB_HEALTH_FAILURE_THRESHOLD}, default 3)
     * @param maxBackoff        longest time between checks of a failing agent; the interval doubles
     *                          with every failure past the threshold ({@code CODEHUB_HUB_HEALTH_MAX_BACKOFF}, default 5m)
     */
    public record Health(
            @DefaultValue("30s") Duration interval,
            @DefaultValue("10s") Duration timeout,
            @DefaultValue("3") int failureThreshold,
            @DefaultValue("5m") Duration maxBackoff) {

        public Health {
            ConfigurationChecks.positive("CODEHUB_HUB_HEALTH_INTERVAL", interval);
            ConfigurationChecks.positive("CODEHUB_HUB_HEALTH_TIMEOUT", timeout);
            ConfigurationChecks.inRange("CODEHUB_HUB_HEALTH_FAILURE_THRESHOLD", failureThreshold, 1, 100);
            ConfigurationChecks.positive("CODEHUB_HUB_HEALTH_MAX_BACKOFF", maxBackoff);
        }
    }

    /**
     * The workspace reconciler.
     *
     * @param interval          how often unsettled workspaces are looked for
     *                          ({@code CODEHUB_HUB_RECONCILER_INTERVAL}, default 2s)
     * @param pollInterval      how soon a workspace waiting on its agent (a starting instance, a
     *                          running job) is looked at again ({@code CODEHUB_HUB_RECONCILER_POLL_INTERVAL}, default 1s)
     * @param maxAttempts       failed attempts of one step before the workspace goes {@code ERROR}
     *                          ({@code CODEHUB_HUB_RECONCILER_MAX_ATTEMPTS}, default 5)
     * @param retryBackoff      delay after the first failed attempt, doubled each time, each delay
     *                          drawn within ±50 % and never shorter
     *                          ({@code CODEHUB_HUB_RECONCILER_RETRY_BACKOFF}, default 1s)
     * @param retryMaxBackoff   longest delay between attempts, at least {@code retryBackoff}
     *                          ({@code CODEHUB_HUB_RECONCILER_RETRY_MAX_BACKOFF}, default 1m)
     * @param perAgentConcurrency  workspaces of one agent reconciled at once, so that a slow agent
     *                          never holds up the others ({@code CODEHUB_HUB_RECONCILER_PER_AGENT_CONCURRENCY}, default 4)
     * @param batchSize         unsettled workspaces read per pass ({@code CODEHUB_HUB_RECONCILER_BATCH_SIZE}, default 200)
     */
    public record Reconciler(
            @DefaultValue("2s") Duration interval,
            @DefaultValue("1s") Duration pollInterval,
            @DefaultValue("5") int maxAttempts,
            @DefaultValue("1s") Duration retryBackoff,
            @DefaultValue("1m") Duration retryMaxBackoff,
            @DefaultValue("4") int perAgentConcurrency,
            @DefaultValue("200") int batchSize) {

        public Reconciler {
            ConfigurationChecks.positive("CODEHUB_HUB_RECONCILER_INTERVAL", interval);
            ConfigurationChecks.positive("CODEHUB_HUB_RECONCILER_POLL_INTERVAL", pollInterval);
            ConfigurationChecks.inRange("CODEHUB_HUB_RECONCILER_MAX_ATTEMPTS", maxAttempts, 1, 1000);
            ConfigurationChecks.positive("CODEHUB_HUB_RECONCILER_RETRY_BACKOFF", retryBackoff);
            ConfigurationChecks.positive("CODEHUB_HUB_RECONCILER_RETRY_MAX_BACKOFF", retryMaxBackoff);
            atLeast("CODEHUB_HUB_RECONCILER_RETRY_MAX_BACKOFF", retryMaxBackoff, "CODEHUB_HUB_RECONCILER_RETRY_BACKOFF",
                    retryBackoff);
            ConfigurationChecks.inRange("CODEHUB_HUB_RECONCILER_PER_AGENT_CONCURRENCY", perAgentConcurrency, 1, 256);
            ConfigurationChecks.inRange("CODEHUB_HUB_RECONCILER_BATCH_SIZE", batchSize, 1, 10_000);
        }
    }

    /** {@code longest} must not be shorter than {@code shortest}: a backoff cannot end below where it starts. */
    private static void atLeast(String longestVariable, Duration longest, String shortestVariable, Duration shortest) {
        if (longest.compareTo(shortest) < 0) {
            throw new ConfigurationException(longestVariable, longest + " is shorter than " + shortestVariable + " "
                    + shortest, "Make " + longestVariable + " at least " + shortestVariable + ".");
        }
    }
}
