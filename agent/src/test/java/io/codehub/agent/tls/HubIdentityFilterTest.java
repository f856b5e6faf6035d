package io.codehub.agent.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.security.cert.X509Certificate;

import io.codehub.agent.TestPki;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.http.server.reactive.SslInfo;

/** Which client certificates carry the hub's identity. */
class HubIdentityFilterTest {

    @TempDir
    static Path dir;
    static TestPki pki;

    @BeforeAll
    static void ca() {
        pki = TestPki.create(dir);
    }

    @Test
    void acceptsTheHubsCertificate() {
        // codehub pki issue server: DNS/IP SANs and spiffe://codehub/hub; the hub presents it on direct calls
        assertThat(HubIdentityFilter.refusal(ssl(pki.server().chain().toArray(X509Certificate[]::new)))).isNull();
    }

    @Test
    void refusesNoCertificateAndAnAgentsCertificate() {
        assertThat(HubIdentityFilter.refusal(null)).contains("no TLS client certificate");
        assertThat(HubIdentityFilter.refusal(ssl(null))).contains("no TLS client certificate");
        assertThat(HubIdentityFilter.refusal(ssl(pki.agent("agent-1").chain().toArray(X509Certificate[]::new))))
                .contains("CN=agent-1 is not the hub's");
    }

    private static SslInfo ssl(X509Certificate @Nullable [] chain) {
        return new SslInfo() {
            @Override
            public @Nullable String getSessionId() {
                return "test";
            }

            @Override
            public X509Certificate @Nullable [] getPeerCertificates() {
                return chain;
            }
        };
    }
}
