package io.codehub.hub.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLPeerUnverifiedException;

import io.codehub.hub.config.TunnelProperties;
import io.codehub.hub.pki.HubPki;
import io.codehub.pki.AgentIdentity;
import io.codehub.pki.CertificateAuthority;
import io.codehub.pki.InitOptions;
import io.codehub.pki.IssuedCertificate;
import io.codehub.pki.KeyType;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * Direct calls to an {@code https://} agent whose listener requires a client certificate: the hub
 * trusts its CA for the agent's certificate and presents its own certificate, which carries the
 * hub identity. Real TLS on loopback.
 */
class DirectAgentTlsTest {

    @TempDir
    Path dir;

    @Test
    void theHubPresentsItsCertificateWithTheHubIdentityAndTrustsItsCa() throws Exception {
        CertificateAuthority ca = CertificateAuthority.init(dir.resolve("ca"), new InitOptions(KeyType.EC_P256,
                "CN=direct test CA", Duration.ofDays(30), null));
        IssuedCertificate hub = ca.issueServer(List.of("hub.test"), List.of(), Duration.ofDays(1));
        Path cert = Files.writeString(dir.resolve("hub-cert.pem"), hub.chainPem());
        Path key = Files.writeString(dir.resolve("hub-key.pem"), hub.privateKeyPem(null));
        IssuedCertificate listener = ca.issueAgent("agent-1", Duration.ofDays(1), List.of(),
                List.of(InetAddress.getLoopbackAddress()));
        AtomicReference<X509Certificate> client = new AtomicReference<>();
        SslContext serverTls = SslContextBuilder.forServer(listener.privateKey(),
                        listener.chain().toArray(X509Certificate[]::new))
                .trustManager(ca.trustBundle().toArray(X509Certificate[]::new))
                .clientAuth(ClientAuth.REQUIRE).build();
        DisposableServer agent = HttpServer.create().host("127.0.0.1").port(0)
                .secure(spec -> spec.sslContext(serverTls))
                .handle((request, response) -> {
                    request.withConnection(c -> {
                        try {
                            client.set((X509Certificate) c.channel().pipeline().get(io.netty.handler.ssl.SslHandler.class)
                                    .engine().getSession().getPeerCertificates()[0]);
                        } catch (SSLPeerUnverifiedException e) {
                            throw new IllegalStateException(e);
                        }
                    });
                    return response.sendString(Mono.just("ok"));
                })
                .bindNow();
        TunnelProperties tunnel = new TunnelProperties(7443, "127.0.0.1", cert, key, Duration.ofSeconds(1),
                Duration.ofHours(1), "none", 10, Duration.ofSeconds(6),
                Duration.ofSeconds(10), 128, 0, 32);
        URI endpoint = URI.create("https://127.0.0.1:" + agent.port() + "/health");
        try (DirectAgentConnectors withCertificate = new DirectAgentConnectors(Duration.ofSeconds(5),
                RemoteConfiguration.agentClientTls(tunnel, HubPki.of(ca, Duration.ofDays(7))));
                DirectAgentConnectors without = new DirectAgentConnectors(Duration.ofSeconds(5))) {
            String body = WebClient.builder().clientConnector(withCertificate.connector(endpoint)).build()
                    .get().uri(endpoint).retrieve().bodyToMono(String.class).block(Duration.ofSeconds(10));

            assertThat(body).isEqualTo("ok");
            assertThat(AgentIdentity.isHub(client.get())).isTrue();
            assertThatThrownBy(() -> WebClient.builder().clientConnector(without.connector(endpoint)).build()
                    .get().uri(endpoint).retrieve().bodyToMono(String.class).block(Duration.ofSeconds(10)))
                    .as("without the CA and the hub's certificate the TLS handshake fails").isNotNull();
        } finally {
            agent.disposeNow();
        }
    }
}
