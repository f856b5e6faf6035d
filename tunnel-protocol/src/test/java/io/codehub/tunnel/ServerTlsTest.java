package io.codehub.tunnel;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.OpenSslServerSessionContext;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.SelfSignedCertificate;
import org.junit.jupiter.api.Test;

/** {@link ServerTls}: the OpenSSL server context keeps no session cache; a JDK one is left alone. */
class ServerTlsTest {

    @Test
    void anOpenSslServerContextKeepsNoSessionCacheAndAJdkOneIsLeftAlone() throws Exception {
        assertThat(OpenSsl.isAvailable()).as("netty-tcnative is on the class path: the hub's TLS is OpenSSL").isTrue();
        SelfSignedCertificate certificate = SelfSignedCertificate.builder().fqdn("localhost").build();
        try {
            SslContext openSsl = SslContextBuilder.forServer(certificate.key(), certificate.cert()).build();
            OpenSslServerSessionContext sessions = (OpenSslServerSessionContext) openSsl.sessionContext();
            assertThat(sessions.isSessionCacheEnabled()).as("OpenSSL's default").isTrue();

            assertThat(ServerTls.withoutSessionCache(openSsl)).isSameAs(openSsl);
            assertThat(sessions.isSessionCacheEnabled()).isFalse();

            SslContext jdk = SslContextBuilder.forServer(certificate.key(), certificate.cert())
                    .sslProvider(SslProvider.JDK).build();
            assertThat(ServerTls.withoutSessionCache(jdk)).isSameAs(jdk);
        } finally {
            certificate.delete();
        }
    }
}
