package io.codehub.tunnel;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.OpenSslServerSessionContext;
import io.netty.handler.ssl.ReferenceCountedOpenSslContext;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.SelfSignedCertificate;
import org.junit.jupiter.api.Test;

/**
 * {@link ServerTls}: an OpenSSL server context for idle connections keeps no session cache and a
 * small buffer for handshake output; a JDK one is left alone. A TLS tunnel with this context carries
 * traffic both ways in {@code TunnelRoundTripIT}.
 */
class ServerTlsTest {

    @Test
    void anOpenSslServerContextForIdleConnectionsKeepsNoSessionCacheAndASmallHandshakeBuffer() throws Exception {
        assertThat(OpenSsl.isAvailable()).as("netty-tcnative is on the class path: the hub's TLS is OpenSSL").isTrue();
        SelfSignedCertificate certificate = SelfSignedCertificate.builder().fqdn("localhost").build();
        try {
            SslContext openSsl = SslContextBuilder.forServer(certificate.key(), certificate.cert()).build();
            OpenSslServerSessionContext sessions = (OpenSslServerSessionContext) openSsl.sessionContext();
            ReferenceCountedOpenSslContext context = (ReferenceCountedOpenSslContext) openSsl;
            assertThat(sessions.isSessionCacheEnabled()).as("OpenSSL's default").isTrue();
            assertThat(context.getBioNonApplicationBufferSize()).as("Netty's default").isEqualTo(2048);

            assertThat(ServerTls.forIdleConnections(openSsl)).isSameAs(openSsl);
            assertThat(sessions.isSessionCacheEnabled()).isFalse();
            assertThat(context.getBioNonApplicationBufferSize()).isEqualTo(ServerTls.HANDSHAKE_OUTPUT_BUFFER).isEqualTo(256);

            SslContext jdk = SslContextBuilder.forServer(certificate.key(), certificate.cert())
                    .sslProvider(SslProvider.JDK).build();
            assertThat(ServerTls.forIdleConnections(jdk)).isSameAs(jdk);
        } finally {
            certificate.delete();
        }
    }
}
