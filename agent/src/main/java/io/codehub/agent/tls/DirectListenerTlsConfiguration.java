package io.codehub.agent.tls;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Locale;

import io.codehub.agent.config.AgentConfiguration;
import io.codehub.agent.config.AgentProperties;
import io.codehub.pki.Pem;
import io.codehub.pki.PkiException;
import io.codehub.web.ConfigurationException;
import io.codehub.web.ProblemResponses;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.web.server.Ssl;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.boot.web.server.reactive.ConfigurableReactiveWebServerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;

/**
 * TLS on the direct listener: {@code CODEHUB_AGENT_TLS_SERVER_CERT} and {@code _KEY} turn it on
 * (HTTPS only, TLS 1.3 and 1.2); {@code CODEHUB_AGENT_TLS_CLIENT_AUTH=require} then asks every client
 * for a certificate that chains to {@code CODEHUB_AGENT_TLS_CA} and lets the Agent API through only
 * for the hub's ({@link HubIdentityFilter}). The TLS layer "wants" rather than "needs" the
 * certificate so that the probes stay reachable over HTTPS without one; a certificate that does not
 * verify fails the handshake. Also refuses {@code CODEHUB_AGENT_TLS_ENROLL} without a hub URL.
 */
@Configuration(proxyBeanMethods = false)
public class DirectListenerTlsConfiguration {

    private static final Logger log = LoggerFactory.getLogger(DirectListenerTlsConfiguration.class);

    @Bean
    WebServerFactoryCustomizer<ConfigurableReactiveWebServerFactory> directListenerTls(AgentProperties properties) {
        AgentProperties.Tls tls = properties.tls();
        if (tls.enroll() && !properties.dialsOut()) {
            throw new ConfigurationException("CODEHUB_AGENT_TLS_ENROLL", "true, but CODEHUB_AGENT_HUB_URL is not set",
                    "The agent enrols through the hub's tunnel port: set CODEHUB_AGENT_HUB_URL=tls://host:port, "
                            + "or set CODEHUB_AGENT_TLS_ENROLL=false.");
        }
        boolean require = requireClientCertificate(tls);
        if (tls.serverCert() == null && tls.serverKey() == null) {
            if (require) {
                throw new ConfigurationException("CODEHUB_AGENT_TLS_CLIENT_AUTH", "require, but the direct listener has no TLS",
                        "Set CODEHUB_AGENT_TLS_SERVER_CERT and CODEHUB_AGENT_TLS_SERVER_KEY (PEM) to serve HTTPS, "
                                + "or set CODEHUB_AGENT_TLS_CLIENT_AUTH=none.");
            }
            return factory -> { };
        }
        Path certificate = required(tls.serverCert(), "CODEHUB_AGENT_TLS_SERVER_CERT", "CODEHUB_AGENT_TLS_SERVER_KEY");
        Path key = required(tls.serverKey(), "CODEHUB_AGENT_TLS_SERVER_KEY", "CODEHUB_AGENT_TLS_SERVER_CERT");
        checkServerPair(certificate, key);
        if (require) {
            if (tls.ca() == null) {
                throw new ConfigurationException("CODEHUB_AGENT_TLS_CA", "not set, but CODEHUB_AGENT_TLS_CLIENT_AUTH=require",
                        "Point CODEHUB_AGENT_TLS_CA at the CA that issued the hub's certificate (codehub's ca.pem, "
                                + "GET /pki/ca.pem on the hub).");
            }
            readable(tls.ca(), "CODEHUB_AGENT_TLS_CA");
            try {
                Pem.readCertificates(tls.ca());
            } catch (PkiException e) {
                throw new ConfigurationException("CODEHUB_AGENT_TLS_CA", "cannot use " + tls.ca() + ": " + e.getMessage(),
                        "Point it at a PEM file of CA certificates (-----BEGIN CERTIFICATE-----).", e);
            }
        }
        Path ca = tls.ca();
        return factory -> {
            Ssl ssl = new Ssl();
            ssl.setEnabled(true);
            ssl.setCertificate("file:" + certificate.toAbsolutePath());
            ssl.setCertificatePrivateKey("file:" + key.toAbsolutePath());
            ssl.setEnabledProtocols(new String[] {"TLSv1.3", "TLSv1.2"});
            if (require && ca != null) {
                ssl.setTrustCertificate("file:" + ca.toAbsolutePath());
                ssl.setClientAuth(Ssl.ClientAuth.WANT);
            } else {
                ssl.setClientAuth(Ssl.ClientAuth.NONE);
            }
            factory.setSsl(ssl);
            log.info("Direct listener serves HTTPS with {}{}", certificate,
                    require ? "; the Agent API only to the hub's client certificate (" + HubIdentityFilter.HUB_URI + ")" : "");
        };
    }

    @Bean
    @Order(Ordered.HIGHEST_PRECEDENCE + 1)
    @ConditionalOnProperty(name = "codehub.agent.tls.client-auth", havingValue = "require")
    HubIdentityFilter hubIdentityFilter(ProblemResponses problems) {
        return new HubIdentityFilter(AgentConfiguration.OPEN_PATHS, problems);
    }

    private static boolean requireClientCertificate(AgentProperties.Tls tls) {
        return switch (tls.clientAuth().trim().toLowerCase(Locale.ROOT)) {
            case "none" -> false;
            case "require" -> true;
            default -> throw new ConfigurationException("CODEHUB_AGENT_TLS_CLIENT_AUTH",
                    "'" + tls.clientAuth() + "' (expected: none or require)",
                    "Set none (any client; the bearer token still applies) or require (only the hub's client certificate).");
        };
    }

    private static Path required(@Nullable Path value, String variable, String other) {
        if (value == null) {
            throw new ConfigurationException(variable, "not set, but " + other + " is",
                    "Set both CODEHUB_AGENT_TLS_SERVER_CERT and CODEHUB_AGENT_TLS_SERVER_KEY (PEM files), or neither.");
        }
        readable(value, variable);
        return value;
    }

    private static void readable(Path file, String variable) {
        if (!Files.isReadable(file)) {
            throw new ConfigurationException(variable, "cannot read " + file, "Point it at a PEM file the agent's user can read.");
        }
    }

    private static void checkServerPair(Path certificate, Path key) {
        List<X509Certificate> chain;
        PrivateKey privateKey;
        try {
            chain = Pem.readCertificates(certificate);
        } catch (PkiException e) {
            throw new ConfigurationException("CODEHUB_AGENT_TLS_SERVER_CERT", e.getMessage(),
                    "Point it at the listener's PEM certificate chain (codehub pki issue server ... writes NAME-cert.pem).", e);
        }
        try {
            privateKey = Pem.readPrivateKey(key, null);
        } catch (PkiException e) {
            throw new ConfigurationException("CODEHUB_AGENT_TLS_SERVER_KEY", e.getMessage(),
                    "Point it at the listener's unencrypted PEM private key (NAME-key.pem).", e);
        }
        if (!new Credential(privateKey, chain).keyMatchesCertificate()) {
            throw new ConfigurationException("CODEHUB_AGENT_TLS_SERVER_KEY", key + " is not the key of " + certificate,
                    "Use the key that was issued with CODEHUB_AGENT_TLS_SERVER_CERT.");
        }
    }
}
