package io.codehub.hub.config;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.regex.Pattern;

import io.codehub.web.ConfigurationException;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Many hubs on one PostgreSQL (docs/high-availability.md), bound from {@code codehub.hub.*}. A hub
 * joins a cluster when {@code CODEHUB_HUB_INTERNAL_URL} is set; without it it is the single hub it
 * always was.
 *
 * @param id                 this hub's name among the hubs, unique ({@code CODEHUB_HUB_ID}, default the host
 *                           name)
 * @param internalUrl        how the other hubs reach this hub's relay listener, {@code http://host:port}
 *                           ({@code CODEHUB_HUB_INTERNAL_URL}); setting it turns the cluster on
 * @param internalPort       TCP port of the relay listener ({@code CODEHUB_HUB_INTERNAL_PORT}, default 8444;
 *                           0 picks a free one)
 * @param internalAddress    address the relay listener binds, an IP literal
 *                           ({@code CODEHUB_HUB_INTERNAL_ADDRESS}, default 0.0.0.0)
 * @param leaseTtl           how long a hub's lease lasts without renewal: a hub silent for longer is dead for
 *                           routing ({@code CODEHUB_HUB_LEASE_TTL}, default 10s)
 * @param leaseRenewInterval how often the lease is renewed and the other hubs and tunnels are read
 *                           ({@code CODEHUB_HUB_LEASE_RENEW_INTERVAL}, default 2s, at most a third of the TTL)
 * @param shutdownDelay      on SIGTERM, how long the hub keeps serving everything with its readiness
 *                           answering 503 before it starts to drain and stop, so the load balancer stops
 *                           sending it work first ({@code CODEHUB_HUB_SHUTDOWN_DELAY}, default 5s: two failed
 *                           checks of the shipped HAProxy config; 0 to 60s)
 */
@ConfigurationProperties("codehub.hub")
public record ClusterProperties(
        @Nullable String id,
        @Nullable URI internalUrl,
        @DefaultValue("8444") int internalPort,
        @DefaultValue("0.0.0.0") String internalAddress,
        @DefaultValue("10s") Duration leaseTtl,
        @DefaultValue("2s") Duration leaseRenewInterval,
        @DefaultValue("5s") Duration shutdownDelay) {

    /** Hub ids: what fits a label, a log line and a URL path segment. */
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    public ClusterProperties {
        ConfigurationChecks.inRange("CODEHUB_HUB_INTERNAL_PORT", internalPort, 0, 65535);
        ConfigurationChecks.positive("CODEHUB_HUB_LEASE_TTL", leaseTtl);
        ConfigurationChecks.positive("CODEHUB_HUB_LEASE_RENEW_INTERVAL", leaseRenewInterval);
        if (shutdownDelay.isNegative() || shutdownDelay.compareTo(Duration.ofMinutes(1)) > 0) {
            throw new ConfigurationException("CODEHUB_HUB_SHUTDOWN_DELAY", shutdownDelay + " (expected: 0s to 60s)",
                    "Set it to about the time the load balancer takes to take a hub out (two failed checks).");
        }
        if (leaseRenewInterval.multipliedBy(3).compareTo(leaseTtl) > 0) {
            throw new ConfigurationException("CODEHUB_HUB_LEASE_RENEW_INTERVAL", leaseRenewInterval
                    + " is more than a third of CODEHUB_HUB_LEASE_TTL " + leaseTtl
                    + ": one slow renewal would let the lease lapse",
                    "Renew at least three times per lease, e.g. CODEHUB_HUB_LEASE_TTL=10s with "
                            + "CODEHUB_HUB_LEASE_RENEW_INTERVAL=2s.");
        }
        if (id != null && !ID.matcher(id).matches()) {
            throw new ConfigurationException("CODEHUB_HUB_ID", "'" + id + "' is not a hub id",
                    "Use 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit, unique among "
                            + "the hubs.");
        }
        if (internalUrl != null) {
            if ("https".equals(internalUrl.getScheme())) {
                throw new ConfigurationException("CODEHUB_HUB_INTERNAL_URL", "'" + internalUrl
                        + "': the relay listener speaks plaintext HTTP/2 only (TLS between hubs is not built yet)",
                        "Use http://host:port on the hubs' private network (docs/high-availability.md, Security).");
            }
            if (!"http".equals(internalUrl.getScheme()) || internalUrl.getHost() == null || internalUrl.getPort() < 1) {
                throw new ConfigurationException("CODEHUB_HUB_INTERNAL_URL", "'" + internalUrl
                        + "' is not http://host:port",
                        "Set it to the address the other hubs reach this hub's relay listener at, with its port.");
            }
        }
    }

    /** Whether this hub is one of many. */
    public boolean enabled() {
        return internalUrl != null;
    }

    /** The configured id, else this host's name (unique per pod or machine). */
    public String idOrHostName() {
        if (id != null) {
            return id;
        }
        try {
            String host = InetAddress.getLocalHost().getHostName();
            int dot = host.indexOf('.');
            String name = dot > 0 ? host.substring(0, dot) : host;
            if (ID.matcher(name).matches()) {
                return name;
            }
        } catch (UnknownHostException e) {
            // fall through to the clear message
        }
        throw new ConfigurationException("CODEHUB_HUB_ID", "not set, and this host's name is no usable hub id",
                "Set CODEHUB_HUB_ID to a name unique among the hubs, e.g. hub-1.");
    }
}
