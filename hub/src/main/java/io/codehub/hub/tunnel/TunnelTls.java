package io.codehub.hub.tunnel;

import java.io.IOException;
import java.security.cert.X509Certificate;
import java.util.List;

import io.codehub.hub.config.TunnelProperties;
import io.codehub.hub.pki.HubPki;
import io.codehub.hub.tls.KeyFiles;
import io.codehub.hub.tls.ReloadableTls;
import io.codehub.tunnel.ServerTls;
import io.codehub.web.ConfigurationException;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import org.jspecify.annotations.Nullable;

/**
 * The tunnel port's TLS, if any: the hub's certificate ({@code CODEHUB_HUB_TUNNEL_TLS_CERT}/{@code _KEY})
 * and, with {@code CODEHUB_HUB_TUNNEL_CLIENT_AUTH} optional or require, the CA's trust bundle for
 * agents' client certificates. The TLS stack checks the chain and the validity period; revocation
 * is checked by the authenticator and, for live sessions, by the {@code CertificateWatch}.
 *
 * <p>{@link #refresh()} rebuilds the context when the certificate or key files or the trust
 * bundle changed (a renewed hub certificate, a CA rotation); connections accepted after that use
 * the new one, and open tunnels keep theirs.
 */
public final class TunnelTls {

    private final TunnelProperties properties;
    private final HubPki pki;
    private final @Nullable ReloadableTls tls;

    /**
     * @throws ConfigurationException when the files are unusable, or client certificates are asked
     *     for without a CA
     */
    public TunnelTls(TunnelProperties properties, HubPki pki) {
        this.properties = properties;
        this.pki = pki;
        if (!properties.tls()) {
            this.tls = null;
            return;
        }
        if (properties.asksForCertificates() && !pki.enabled()) {
            throw new ConfigurationException("CODEHUB_HUB_TUNNEL_CLIENT_AUTH",
                    properties.clientAuth() + " without a certificate authority",
                    "Set CODEHUB_HUB_PKI_DIR to the CA agents' certificates come from (bin/codehub pki init), "
                            + "or set CODEHUB_HUB_TUNNEL_CLIENT_AUTH=none.");
        }
        try {
            this.tls = new ReloadableTls("tunnel port", List.of(properties.tlsCert(), properties.tlsKey()),
                    () -> properties.asksForCertificates() ? pki.trustAnchors() : List.of(), this::build);
        } catch (IOException | RuntimeException e) {
            throw new ConfigurationException("CODEHUB_HUB_TUNNEL_TLS_CERT", "cannot use " + properties.tlsCert()
                    + " with key " + properties.tlsKey() + ": " + e.getMessage(),
                    "Give a PEM certificate chain and its PEM (PKCS#8) private key, e.g. from "
                            + "'bin/codehub pki issue server'.", e);
        }
    }

    /** Whether the tunnel port runs TLS. */
    public boolean enabled() {
        return properties.tls();
    }

    /** The context for the next accepted connection; null on a plaintext port. */
    public @Nullable SslContext current() {
        return tls == null ? null : tls.current();
    }

    /**
     * Rebuilds the context if its files or the trust bundle changed; an unusable new file keeps the
     * old context (and is logged), so a half-written renewal never takes the port down.
     *
     * @return whether a new context is in use
     */
    public boolean refresh() {
        return tls != null && tls.refresh();
    }

    private SslContext build() throws IOException {
        SslContextBuilder builder = KeyFiles.forServer(properties.tlsCert(), properties.tlsKey());
        if (properties.asksForCertificates()) {
            List<X509Certificate> anchors = pki.trustAnchors();
            builder.clientAuth("require".equals(properties.clientAuth()) ? ClientAuth.REQUIRE : ClientAuth.OPTIONAL)
                    .trustManager(anchors.toArray(X509Certificate[]::new));
        }
        return ServerTls.forIdleConnections(builder.build());
    }
}
