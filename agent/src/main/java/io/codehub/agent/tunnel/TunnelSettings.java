package io.codehub.agent.tunnel;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.codehub.agent.config.AgentProperties;
import io.codehub.web.ConfigurationException;
import org.jspecify.annotations.Nullable;

/**
 * The validated dial-out settings: {@code CODEHUB_AGENT_HUB_URL}, {@code CODEHUB_AGENT_API_KEY},
 * {@code CODEHUB_AGENT_TLS_CA} and {@code CODEHUB_AGENT_TLS_ENROLL}. A bad value is a
 * {@link ConfigurationException} naming the variable; the API key never appears in a message.
 *
 * @param hubUri the hub's tunnel port, {@code tcp://host:port} or {@code tls://host:port}
 * @param apiKey {@code chk_<agent id>_<secret>}; null only for a {@code tls://} hub when
 *               {@code CODEHUB_AGENT_TLS_DIR} holds a certificate (the agent then authenticates with it)
 * @param tlsCa  PEM file of the CA to trust for {@code tls://}, or null for the JDK's trust store
 */
public record TunnelSettings(URI hubUri, @Nullable String apiKey, @Nullable Path tlsCa) {

    /** The hub's key format ({@code ApiKeys} in the hub): the id as CODEHUB_AGENT_ID, a 43-char secret. */
    private static final Pattern API_KEY = Pattern.compile("chk_([A-Za-z0-9][A-Za-z0-9.-]{0,127})_([A-Za-z0-9_-]{43})");

    /** The settings, or null when {@code CODEHUB_AGENT_HUB_URL} is not set (no dial-out). */
    public static @Nullable TunnelSettings from(AgentProperties properties) {
        if (!properties.dialsOut()) {
            return null;
        }
        URI hub = hubUri(String.valueOf(properties.hubUrl()).trim());
        boolean tls = "tls".equals(hub.getScheme());
        if (properties.tls().enroll() && !tls) {
            throw new ConfigurationException("CODEHUB_AGENT_TLS_ENROLL", "true, but CODEHUB_AGENT_HUB_URL is plaintext " + hub,
                    "Enrolment sends the API key and gets a certificate: use tls://host:port for the hub, "
                            + "or set CODEHUB_AGENT_TLS_ENROLL=false.");
        }
        String key = properties.apiKey();
        if (key == null || key.isBlank()) {
            if (tls && Files.exists(properties.tls().dir().resolve("agent-cert.pem"))) {
                return new TunnelSettings(hub, null, checkedCa(properties.tls(), hub));
            }
            throw new ConfigurationException("CODEHUB_AGENT_API_KEY", "not set (CODEHUB_AGENT_HUB_URL is)",
                    "Set CODEHUB_AGENT_API_KEY to the key the hub returned once when this agent was registered "
                            + "(chk_<agent id>_<secret>), or unset CODEHUB_AGENT_HUB_URL "
                            + "(with a tls:// hub, a certificate in CODEHUB_AGENT_TLS_DIR can replace the key).");
        }
        key = key.trim();
        Matcher matcher = API_KEY.matcher(key);
        if (!matcher.matches()) {
            throw new ConfigurationException("CODEHUB_AGENT_API_KEY",
                    "not an agent API key (" + key.length() + " characters; expected: chk_<agent id>_<43-character secret>)",
                    "Copy the whole apiKey the hub returned at registration; if it is lost, rotate the agent's key on the hub.");
        }
        if (!matcher.group(1).equals(properties.id())) {
            throw new ConfigurationException("CODEHUB_AGENT_API_KEY",
                    "belongs to agent '" + matcher.group(1) + "', but CODEHUB_AGENT_ID is '" + properties.id() + "'",
                    "Use the key and the id of the same registered agent.");
        }
        return new TunnelSettings(hub, key, checkedCa(properties.tls(), hub));
    }

    private static @Nullable Path checkedCa(AgentProperties.Tls tls, URI hub) {
        Path ca = tls.ca();
        if (ca != null) {
            // with a plaintext hub the CA can still serve the direct listener's client-certificate check
            if (!"tls".equals(hub.getScheme()) && !"require".equalsIgnoreCase(tls.clientAuth().trim())) {
                throw new ConfigurationException("CODEHUB_AGENT_TLS_CA", "set, but CODEHUB_AGENT_HUB_URL is plaintext " + hub,
                        "Use tls://host:port for the hub, or unset CODEHUB_AGENT_TLS_CA.");
            }
            if (!Files.isReadable(ca)) {
                throw new ConfigurationException("CODEHUB_AGENT_TLS_CA", "cannot read " + ca,
                        "Point it at a readable PEM file of the CA certificate(s) that signed the hub's tunnel certificate.");
            }
        }
        return ca;
    }

    private static URI hubUri(String value) {
        URI uri;
        try {
            uri = new URI(value);
        } catch (URISyntaxException e) {
            throw invalidHub("'" + value + "' is not a URI", e);
        }
        String scheme = uri.getScheme();
        if (!"tcp".equals(scheme) && !"tls".equals(scheme)) {
            throw invalidHub("'" + value + "' has scheme " + scheme + " (expected: tcp or tls)", null);
        }
        if (uri.getHost() == null || uri.getPort() < 1 || uri.getUserInfo() != null
                || (uri.getRawPath() != null && !uri.getRawPath().isEmpty()) || uri.getRawQuery() != null) {
            throw invalidHub("'" + value + "' (expected: " + scheme + "://host:port and nothing else)", null);
        }
        return uri;
    }

    private static ConfigurationException invalidHub(String problem, @Nullable Throwable cause) {
        return new ConfigurationException("CODEHUB_AGENT_HUB_URL", problem,
                "Use tls://host:port (production) or tcp://host:port (plaintext, loopback or a protected network), "
                        + "with the hub's tunnel port (CODEHUB_HUB_TUNNEL_PORT, default 7443).", cause);
    }

    @Override
    public String toString() {
        return "TunnelSettings[hubUri=" + hubUri + ", apiKey=" + (apiKey == null ? "unset" : "***") + ", tlsCa=" + tlsCa + "]";
    }
}
