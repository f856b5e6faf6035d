package io.codehub.tunnel;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.OpenSslServerSessionContext;
import io.netty.handler.ssl.ReferenceCountedOpenSslContext;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.SelfSignedCertificate;
import io.netty.util.ReferenceCountUtil;
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

    /**
     * What the small buffer relies on: output that does not fit it is a short write, not an error. A
     * server whose buffer holds one byte completes a TLS 1.3 handshake (its flights leave through
     * wraps), reads data, and answers the client's close_notify (written while it reads, so through
     * the buffer): the rest waits for the next wrap, which produces the tickets and the reply whole.
     */
    @Test
    void outputLargerThanTheBufferWaitsForTheNextWrap() throws Exception {
        SelfSignedCertificate certificate = SelfSignedCertificate.builder().fqdn("localhost").algorithm("EC").bits(256).build();
        try {
            SslContext server = ServerTls.forIdleConnections(ServerTls.forServer(certificate.key(),
                    List.of(certificate.cert())).build());
            ((ReferenceCountedOpenSslContext) server).setBioNonApplicationBufferSize(1);
            SslContext client = SslContextBuilder.forClient().trustManager(certificate.cert()).build();
            SSLEngine hub = server.newEngine(ByteBufAllocator.DEFAULT);
            SSLEngine agent = client.newEngine(ByteBufAllocator.DEFAULT, "localhost", 7443);
            ByteBuffer toHub = ByteBuffer.allocate(1 << 17);
            ByteBuffer toAgent = ByteBuffer.allocate(1 << 17);
            ByteBuffer plain = ByteBuffer.allocate(1 << 17);
            agent.beginHandshake();
            hub.beginHandshake();
            for (int round = 0; round < 10 && (handshaking(agent) || handshaking(hub)); round++) {
                pump(agent, hub, toHub, plain);
                pump(hub, agent, toAgent, plain);
            }
            assertThat(hub.getSession().getProtocol()).isEqualTo("TLSv1.3");
            assertThat(handshaking(hub) || handshaking(agent)).as("both ends done").isFalse();

            agent.wrap(ByteBuffer.wrap("ping".getBytes(StandardCharsets.US_ASCII)), toHub.clear());
            plain.clear();
            assertThat(hub.unwrap(toHub.flip(), plain).bytesProduced()).isEqualTo(4);

            agent.closeOutbound();
            agent.wrap(ByteBuffer.allocate(0), toHub.clear());
            SSLEngineResult read = hub.unwrap(toHub.flip(), plain);
            assertThat(read.getStatus()).isEqualTo(SSLEngineResult.Status.CLOSED);
            assertThat(read.getHandshakeStatus()).as("the reply waits for a wrap").isEqualTo(HandshakeStatus.NEED_WRAP);
            SSLEngineResult reply = hub.wrap(ByteBuffer.allocate(0), toAgent.clear());
            assertThat(reply.bytesProduced()).as("tickets and close_notify, whole").isGreaterThan(24);
            assertThat(agent.unwrap(toAgent.flip(), plain.clear()).getStatus()).isEqualTo(SSLEngineResult.Status.CLOSED);
            ReferenceCountUtil.release(hub);
            ReferenceCountUtil.release(agent);
        } finally {
            certificate.delete();
        }
    }

    private static boolean handshaking(SSLEngine engine) {
        HandshakeStatus status = engine.getHandshakeStatus();
        return status != HandshakeStatus.NOT_HANDSHAKING && status != HandshakeStatus.FINISHED;
    }

    /** Everything {@code from} has to send, wrapped and handed to {@code to}, delegated tasks run. */
    private static void pump(SSLEngine from, SSLEngine to, ByteBuffer wire, ByteBuffer plain) throws Exception {
        runTasks(from);
        while (from.wrap(ByteBuffer.allocate(0), wire).bytesProduced() > 0) {
            runTasks(from);
        }
        wire.flip();
        while (wire.hasRemaining() && to.unwrap(wire, plain).bytesConsumed() > 0) {
            runTasks(to);
        }
        runTasks(to);
        wire.compact();
    }

    private static void runTasks(SSLEngine engine) {
        for (Runnable task = engine.getDelegatedTask(); task != null; task = engine.getDelegatedTask()) {
            task.run();
        }
    }
}
