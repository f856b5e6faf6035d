package io.codehub.tunnel;

import static io.codehub.tunnel.TunnelTestKit.WAIT;
import static io.codehub.tunnel.TunnelTestKit.awaitSession;
import static io.codehub.tunnel.TunnelTestKit.connector;
import static io.codehub.tunnel.TunnelTestKit.echo;
import static io.codehub.tunnel.TunnelTestKit.post;
import static io.codehub.tunnel.TunnelTestKit.server;
import static io.codehub.tunnel.TunnelTestKit.writeChunks;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.net.URI;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;

import io.codehub.tunnel.TunnelTestKit.Collector;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.SelfSignedCertificate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A hub stream with a body larger than any window, echoed back by the agent, in plaintext and TLS. */
@ExtendWith(NoBufferLeaks.class)
class TunnelRoundTripIT {

    private static final int CHUNK = 16 * 1024;
    private static final int CHUNKS = 320; // 5 MiB, 80x the initial stream window
    private static SelfSignedCertificate certificate;
    private TunnelServer server;
    private TunnelConnector agent;

    @BeforeAll
    static void certificate() throws Exception {
        certificate = SelfSignedCertificate.builder().fqdn("localhost").build();
    }

    @AfterAll
    static void deleteCertificate() {
        certificate.delete();
    }

    @AfterEach
    void stop() throws Exception {
        if (agent != null) {
            agent.stop().get(10, TimeUnit.SECONDS);
        }
        if (server != null) {
            server.close().get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void fiveMegabytesEachWayInPlaintext() throws Exception {
        server = server("hub-plain").build();
        InetSocketAddress address = server.start().get(10, TimeUnit.SECONDS);
        agent = connector(address, "agent-1", echo()).build();
        agent.start();

        roundTrip(awaitSession(server, "agent-1"));
    }

    @Test
    void fiveMegabytesEachWayOverTls() throws Exception {
        SslContext serverTls = SslContextBuilder.forServer(certificate.key(), certificate.cert()).build();
        SslContext clientTls = SslContextBuilder.forClient().trustManager(certificate.cert()).build();
        server = server("hub-tls").sslContext(serverTls).build();
        InetSocketAddress address = server.start().get(10, TimeUnit.SECONDS);
        agent = connector(address, "agent-1", echo())
                .hubUri(URI.create("tls://127.0.0.1:" + address.getPort()))
                .tlsServerName("localhost")
                .sslContext(clientTls)
                .build();
        agent.start();

        TunnelSession session = awaitSession(server, "agent-1");
        assertThat(agent.currentSession().hubId()).isEqualTo("hub-tls");
        roundTrip(session);
    }

    private void roundTrip(TunnelSession session) throws Exception {
        Collector response = new Collector();
        TunnelStream stream = session.openStream(response).get(10, TimeUnit.SECONDS);
        response.attach(stream);
        stream.writeHeaders(post("/echo"), false).get(10, TimeUnit.SECONDS);
        CRC32 sent = new CRC32();
        writeChunks(stream, CHUNKS, CHUNK, sent).get(WAIT.toSeconds(), TimeUnit.SECONDS);

        assertThat(response.headers.get(10, TimeUnit.SECONDS).status().toString()).isEqualTo("200");
        assertThat(response.body.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo((long) CHUNKS * CHUNK);
        assertThat(response.crc.getValue()).isEqualTo(sent.getValue());
    }
}
