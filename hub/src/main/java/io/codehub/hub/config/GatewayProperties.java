package io.codehub.hub.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

import io.codehub.web.ConfigurationException;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The workspace gateway: the listener people open their workspaces through, bound from
 * {@code codehub.hub.gateway.*} (environment variables {@code CODEHUB_HUB_GATEWAY_*}) and
 * {@code CODEHUB_HUB_APPS_DOMAIN}; listed in {@code docs/gateway.md}.
 *
 * @param enabled               whether the hub serves the gateway at all ({@code CODEHUB_HUB_GATEWAY_ENABLED}, default true)
 * @param port                  TCP port of the gateway; 0 picks a free one ({@code CODEHUB_HUB_GATEWAY_PORT}, default 8088)
 * @param address               address to listen on, an IP literal ({@code CODEHUB_HUB_GATEWAY_ADDRESS}, default 0.0.0.0)
 * @param appsDomain            workspace hosts are {@code <id>.<appsDomain>} and {@code <port>--<id>.<appsDomain>}
 *                              ({@code CODEHUB_HUB_APPS_DOMAIN}, default {@code apps.localhost}, which browsers
 *                              resolve to loopback without DNS)
 * @param tlsCert               PEM certificate chain (a wildcard {@code *.<appsDomain>} in production); with
 *                              {@code tlsKey} it turns TLS on ({@code CODEHUB_HUB_GATEWAY_TLS_CERT}, default unset)
 * @param tlsKey                PEM private key (PKCS#8) of {@code tlsCert} ({@code CODEHUB_HUB_GATEWAY_TLS_KEY})
 * @param tlsCheckInterval      how often the two files are looked at: renewed in place (new modification time
 *                              or size), they serve new connections from the next look on; an unusable renewal
 *                              keeps the previous certificate ({@code CODEHUB_HUB_GATEWAY_TLS_CHECK_INTERVAL}, default 30s)
 * @param publicScheme          the scheme people's browsers use, {@code http} or {@code https}
 *                              ({@code CODEHUB_HUB_GATEWAY_PUBLIC_SCHEME}, default https with TLS, else http;
 *                              set https behind a load balancer that terminates TLS)
 * @param publicPort            the port people's browsers use; 0 means the listening port
 *                              ({@code CODEHUB_HUB_GATEWAY_PUBLIC_PORT}, default 0)
 * @param idleTimeout           a connection (or WebSocket) with no bytes either way for this long is closed
 *                              ({@code CODEHUB_HUB_GATEWAY_IDLE_TIMEOUT}, default 1h)
 * @param responseHeaderTimeout longest wait for an upstream's response headers
 *                              ({@code CODEHUB_HUB_GATEWAY_RESPONSE_HEADER_TIMEOUT}, default 60s)
 * @param connectTimeout        longest wait for the upstream connection, direct or through the tunnel
 *                              ({@code CODEHUB_HUB_GATEWAY_CONNECT_TIMEOUT}, default 10s)
 * @param requestHeaderTimeout  longest wait for a whole request head on a new connection, so a client that
 *                              sends it a byte at a time is cut ({@code CODEHUB_HUB_GATEWAY_REQUEST_HEADER_TIMEOUT}, default 30s)
 * @param maxHeaderBytes        largest request or response header block
 *                              ({@code CODEHUB_HUB_GATEWAY_MAX_HEADER_BYTES}, default 32768)
 * @param maxConnections        open gateway connections beyond which new ones are refused
 *                              ({@code CODEHUB_HUB_GATEWAY_MAX_CONNECTIONS}, default 20000)
 * @param maxConnectionsPerAddress open gateway connections from one client IP address beyond which new ones
 *                              from it are refused, so one address cannot take all of {@code maxConnections}
 *                              ({@code CODEHUB_HUB_GATEWAY_MAX_CONNECTIONS_PER_ADDRESS}, default 5000; raise it
 *                              behind a load balancer or a large NAT whose clients share an address)
 * @param sessionTtl            default lifetime of an access session ({@code CODEHUB_HUB_GATEWAY_SESSION_TTL}, default 8h)
 * @param maxSessionTtl         longest lifetime an access request may ask for
 *                              ({@code CODEHUB_HUB_GATEWAY_MAX_SESSION_TTL}, default 7d)
 * @param codeTtl               lifetime of the one-time code in an access link, at most 60s
 *                              ({@code CODEHUB_HUB_GATEWAY_CODE_TTL}, default 60s)
 * @param drainGrace            when the hub stops, how long an exchange in progress (a download, a slow
 *                              response) may run on; idle connections and WebSockets close at once
 *                              ({@code CODEHUB_HUB_GATEWAY_DRAIN_GRACE}, default 10s, at most 60s)
 * @param directNetworks        networks (CIDR, e.g. {@code 172.28.0.0/16}) whose addresses a direct agent may
 *                              answer as a workspace's upstream besides its own host, e.g. a Docker network the
 *                              hub shares with the agent's workspaces ({@code CODEHUB_HUB_GATEWAY_DIRECT_NETWORKS},
 *                              comma-separated, default none)
 */
@ConfigurationProperties("codehub.hub.gateway")
public record GatewayProperties(
        @DefaultValue("true") boolean enabled,
        @DefaultValue("8088") int port,
        @DefaultValue("0.0.0.0") String address,
        @DefaultValue("apps.localhost") String appsDomain,
        @Nullable Path tlsCert,
        @Nullable Path tlsKey,
        @DefaultValue("30s") Duration tlsCheckInterval,
        @Nullable String publicScheme,
        @DefaultValue("0") int publicPort,
        @DefaultValue("1h") Duration idleTimeout,
        @DefaultValue("60s") Duration responseHeaderTimeout,
        @DefaultValue("10s") Duration connectTimeout,
        @DefaultValue("30s") Duration requestHeaderTimeout,
        @DefaultValue("32768") int maxHeaderBytes,
        @DefaultValue("20000") int maxConnections,
        @DefaultValue("5000") int maxConnectionsPerAddress,
        @DefaultValue("8h") Duration sessionTtl,
        @DefaultValue("7d") Duration maxSessionTtl,
        @DefaultValue("60s") Duration codeTtl,
        @DefaultValue("10s") Duration drainGrace,
        @DefaultValue("") List<String> directNetworks) {

    private static final Pattern CIDR = Pattern.compile("([0-9]{1,3}(\\.[0-9]{1,3}){3}/([0-9]|[12][0-9]|3[0-2]))"
            + "|([0-9a-fA-F:]+/([0-9]|[1-9][0-9]|1[01][0-9]|12[0-8]))");
    private static final Pattern DOMAIN = Pattern.compile(
            "([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");

    public GatewayProperties {
        ConfigurationChecks.inRange("CODEHUB_HUB_GATEWAY_PORT", port, 0, 65_535);
        if (address.isBlank() || !address.trim().matches("[0-9a-fA-F.:\\[\\]]+")) {
            throw new ConfigurationException("CODEHUB_HUB_GATEWAY_ADDRESS", "'" + address + "' (expected: an IP address)",
                    "Set CODEHUB_HUB_GATEWAY_ADDRESS to an IP address of this host, such as 0.0.0.0, 127.0.0.1 or ::.");
        }
        address = address.trim();
        appsDomain = appsDomain.trim().toLowerCase(Locale.ROOT);
        if (appsDomain.endsWith(".")) {
            appsDomain = appsDomain.substring(0, appsDomain.length() - 1);
        }
        if (!DOMAIN.matcher(appsDomain).matches() || appsDomain.length() > 190 || !appsDomain.contains(".")) {
            throw new ConfigurationException("CODEHUB_HUB_APPS_DOMAIN", "'" + appsDomain + "' (expected: a DNS name "
                    + "with at least two labels, such as apps.localhost or apps.example.com)",
                    "Set CODEHUB_HUB_APPS_DOMAIN to a domain whose every subdomain resolves to the gateway "
                            + "(a wildcard DNS record), or leave it unset for apps.localhost.");
        }
        if ((tlsCert == null) != (tlsKey == null)) {
            String missing = tlsCert == null ? "CODEHUB_HUB_GATEWAY_TLS_CERT" : "CODEHUB_HUB_GATEWAY_TLS_KEY";
            throw new ConfigurationException(missing, "not set, while its partner is",
                    "Set both CODEHUB_HUB_GATEWAY_TLS_CERT and CODEHUB_HUB_GATEWAY_TLS_KEY (PEM files), or neither.");
        }
        ConfigurationChecks.readable("CODEHUB_HUB_GATEWAY_TLS_CERT", tlsCert);
        ConfigurationChecks.readable("CODEHUB_HUB_GATEWAY_TLS_KEY", tlsKey);
        ConfigurationChecks.positive("CODEHUB_HUB_GATEWAY_TLS_CHECK_INTERVAL", tlsCheckInterval);
        if (publicScheme == null || publicScheme.isBlank()) {
            publicScheme = tlsCert != null ? "https" : "http";
        }
        publicScheme = publicScheme.trim().toLowerCase(Locale.ROOT);
        if (!publicScheme.equals("http") && !publicScheme.equals("https")) {
            throw new ConfigurationException("CODEHUB_HUB_GATEWAY_PUBLIC_SCHEME", "'" + publicScheme + "'",
                    "Set CODEHUB_HUB_GATEWAY_PUBLIC_SCHEME to http or https, or leave it unset.");
        }
        ConfigurationChecks.inRange("CODEHUB_HUB_GATEWAY_PUBLIC_PORT", publicPort, 0, 65_535);
        ConfigurationChecks.positive("CODEHUB_HUB_GATEWAY_IDLE_TIMEOUT", idleTimeout);
        ConfigurationChecks.positive("CODEHUB_HUB_GATEWAY_RESPONSE_HEADER_TIMEOUT", responseHeaderTimeout);
        ConfigurationChecks.positive("CODEHUB_HUB_GATEWAY_CONNECT_TIMEOUT", connectTimeout);
        ConfigurationChecks.positive("CODEHUB_HUB_GATEWAY_REQUEST_HEADER_TIMEOUT", requestHeaderTimeout);
        ConfigurationChecks.inRange("CODEHUB_HUB_GATEWAY_MAX_HEADER_BYTES", maxHeaderBytes, 4096, 1024 * 1024);
        ConfigurationChecks.inRange("CODEHUB_HUB_GATEWAY_MAX_CONNECTIONS", maxConnections, 1, 1_000_000);
        ConfigurationChecks.inRange("CODEHUB_HUB_GATEWAY_MAX_CONNECTIONS_PER_ADDRESS", maxConnectionsPerAddress, 1,
                1_000_000);
        ConfigurationChecks.positive("CODEHUB_HUB_GATEWAY_SESSION_TTL", sessionTtl);
        ConfigurationChecks.positive("CODEHUB_HUB_GATEWAY_MAX_SESSION_TTL", maxSessionTtl);
        if (sessionTtl.compareTo(maxSessionTtl) > 0) {
            throw new ConfigurationException("CODEHUB_HUB_GATEWAY_SESSION_TTL", sessionTtl + " is longer than "
                    + "CODEHUB_HUB_GATEWAY_MAX_SESSION_TTL " + maxSessionTtl,
                    "Make CODEHUB_HUB_GATEWAY_SESSION_TTL at most CODEHUB_HUB_GATEWAY_MAX_SESSION_TTL.");
        }
        if (drainGrace.isNegative() || drainGrace.compareTo(Duration.ofSeconds(60)) > 0) {
            throw new ConfigurationException("CODEHUB_HUB_GATEWAY_DRAIN_GRACE", drainGrace + " (expected: 0s to 60s)",
                    "Set CODEHUB_HUB_GATEWAY_DRAIN_GRACE to how long a stopping hub lets gateway requests in "
                            + "progress finish, such as 10s.");
        }
        directNetworks = directNetworks.stream().map(String::trim).filter(n -> !n.isEmpty()).toList();
        for (String network : directNetworks) {
            if (!CIDR.matcher(network).matches()) {
                throw new ConfigurationException("CODEHUB_HUB_GATEWAY_DIRECT_NETWORKS", "'" + network
                        + "' (expected: a network in CIDR notation, such as 172.28.0.0/16 or fd00::/64)",
                        "List networks as address/prefix, separated by commas, or leave it unset.");
            }
        }
        ConfigurationChecks.positive("CODEHUB_HUB_GATEWAY_CODE_TTL", codeTtl);
        if (codeTtl.compareTo(Duration.ofSeconds(60)) > 0) {
            throw new ConfigurationException("CODEHUB_HUB_GATEWAY_CODE_TTL", codeTtl + " (expected: at most 60s)",
                    "A one-time code in a link must be short-lived: set CODEHUB_HUB_GATEWAY_CODE_TTL to 60s or less.");
        }
    }

    /** Whether the gateway listener speaks TLS itself. */
    public boolean tls() {
        return tlsCert != null;
    }

    /** Whether browsers reach the gateway over https (cookies are then {@code Secure} and {@code __Host-}). */
    public boolean secure() {
        return "https".equals(publicScheme);
    }

    /**
     * The origin of a workspace host, as browsers see it: {@code http://<host>[:port]}, the port
     * left out when it is the scheme's default. {@code boundPort} is the port the listener got.
     */
    public String origin(String host, int boundPort) {
        int p = publicPort != 0 ? publicPort : boundPort;
        boolean defaultPort = (p == 80 && "http".equals(publicScheme)) || (p == 443 && "https".equals(publicScheme));
        return publicScheme + "://" + host + (defaultPort ? "" : ":" + p);
    }
}
