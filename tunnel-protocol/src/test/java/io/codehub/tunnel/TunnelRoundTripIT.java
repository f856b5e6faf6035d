package io.codehub.tunnel;

import static io.codehub.tunnel.TunnelTestKit.WAIT;
import static io.codehub.tunnel.TunnelTestKit.awaitSession;
import static io.codehub.tunnel.TunnelTestKit.connector;
import static io.codehub.tunnel.TunnelTestKit.echo;
import static io.codehub.tunnel.TunnelTestKit.held;
import static io.codehub.tunnel.TunnelTestKit.post;
import static io.codehub.tunnel.TunnelTestKit.server;
import static io.codehub.tunnel.TunnelTestKit.writeChunks;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.lang.reflect.Field;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.CRC32;
import javax.net.ssl.SSLEngine;

import io.codehub.tunnel.TunnelTestKit.Collector;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2RemoteFlowController;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2RemoteFlowController;
import io.netty.handler.codec.http2.UniformStreamByteDistributor;
import io.netty.handler.ssl.DelegatingSslContext;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.SelfSignedCertificate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A hub stream with a body larger than any window, echoed back by the agent, in plaintext and TLS;
 * and how much a stream takes in one event-loop turn, at both ends.
 */
@ExtendWith(NoBufferLeaks.class)
class TunnelRoundTripIT {

    private static final int CHUNK = 16 * 1024;
    private static final int CHUNKS = 320; // 5 MiB, 80x the initial stream window
    private static final int BULK_CHUNK = 64 * 1024;
    /**
     * 64 KiB chunks a writer that follows {@link TunnelStream#isWritable()} gets into a stream in one
     * event-loop turn: the one that takes the queue past the high mark of
     * {@link Http2Pipelines#STREAM_WATER_MARK} is the last (the mark's worth, or one more when a
     * frame's own bytes do not count). Netty's 64 KiB default let one or two through, and a bulk
     * stream's frames left in a socket write each.
     */
    private static final int CHUNKS_PER_TURN = Http2Pipelines.STREAM_WATER_MARK.high() / BULK_CHUNK;
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
        roundTrip(start(echo()));
    }

    @Test
    void fiveMegabytesEachWayOverTls() throws Exception {
        // The hub's tunnel port context (ServerTls: no session cache, a 256-byte handshake output buffer).
        SslContext serverTls = ServerTls.forIdleConnections(
                SslContextBuilder.forServer(certificate.key(), certificate.cert()).build());
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
        // The hub holds the session once it has sent the 101; the agent, once it has read it.
        org.awaitility.Awaitility.await().atMost(WAIT).until(() -> agent.currentSession() != null);
        assertThat(agent.currentSession().hubId()).isEqualTo("hub-tls");
        roundTrip(session);
    }

    /**
     * An attempt whose TCP connect is refused (a hub that is down, a fleet retrying it) costs only its
     * socket: the TLS engine and the codecs are made once the connection is up. Made for each refused
     * attempt, they were a quarter of the CPU of 10,000 agents retrying a dead hub from one process.
     */
    @Test
    @Timeout(60)
    void aRefusedAttemptMakesNoTlsEngineAndAConnectedOneDoes() throws Exception {
        int port;
        try (java.net.ServerSocket reserved = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = reserved.getLocalPort(); // closed again: connects to it are refused until the hub binds it
        }
        AtomicInteger attempts = new AtomicInteger();
        AtomicInteger engines = new AtomicInteger();
        SslContext clientTls = SslContextBuilder.forClient().trustManager(certificate.cert()).build();
        SslContext counted = new DelegatingSslContext(clientTls) {
            @Override
            protected void initEngine(SSLEngine engine) {
                engines.incrementAndGet();
            }
        };
        agent = connector(new InetSocketAddress("127.0.0.1", port), "agent-1", echo())
                .hubUri(URI.create("tls://127.0.0.1:" + port))
                .tlsServerName("localhost")
                .sslContextSupplier(() -> {
                    attempts.incrementAndGet(); // asked for once per attempt
                    return counted;
                })
                .build();
        agent.start();
        await().atMost(WAIT).until(() -> attempts.get() >= 5);
        assertThat(engines).as("TLS engines made for %s refused attempts", attempts.get()).hasValue(0);

        server = server("hub-tls").bindAddress(new InetSocketAddress("127.0.0.1", port))
                .sslContext(SslContextBuilder.forServer(certificate.key(), certificate.cert()).build()).build();
        server.start().get(10, TimeUnit.SECONDS);
        awaitSession(server, "agent-1");
        await().atMost(WAIT).until(() -> agent.currentSession() != null);
        assertThat(engines).as("one TLS engine for the attempt that connected").hasValue(1);
    }

    @Test
    @Timeout(60)
    void aStreamTheHubOpenedTakesItsHighWaterMarkInOneTurn() throws Exception {
        TunnelSession session = start(echo());
        Collector echoed = new Collector();
        DefaultTunnelStream stream = (DefaultTunnelStream) session.openStream(echoed).get(10, TimeUnit.SECONDS);
        echoed.attach(stream);
        stream.writeHeaders(post("/echo"), false).get(10, TimeUnit.SECONDS);

        int written = stream.eventLoop().submit(() -> writeWhileWritable(stream)).get(10, TimeUnit.SECONDS);

        assertThat(written).as("64 KiB chunks written in one turn before the stream turned unwritable")
                .isBetween(CHUNKS_PER_TURN, CHUNKS_PER_TURN + 1);
        stream.writeData(Unpooled.EMPTY_BUFFER, true);
        assertThat(echoed.body.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo((long) written * BULK_CHUNK);
    }

    @Test
    @Timeout(60)
    void aStreamTheAgentAcceptedTakesItsHighWaterMarkInOneTurn() throws Exception {
        CompletableFuture<TunnelStream> accepted = new CompletableFuture<>();
        TunnelSession session = start(held(accepted));
        Collector response = new Collector();
        TunnelStream request = session.openStream(response).get(10, TimeUnit.SECONDS);
        response.attach(request);
        request.writeHeaders(post("/download"), true).get(10, TimeUnit.SECONDS);
        DefaultTunnelStream stream = (DefaultTunnelStream) accepted.get(10, TimeUnit.SECONDS);

        int written = stream.eventLoop().submit(() -> {
            stream.writeHeaders(new DefaultHttp2Headers().status("200"), false);
            return writeWhileWritable(stream);
        }).get(10, TimeUnit.SECONDS);

        assertThat(written).as("64 KiB chunks written in one turn before the stream turned unwritable")
                .isBetween(CHUNKS_PER_TURN, CHUNKS_PER_TURN + 1);
        stream.writeData(Unpooled.EMPTY_BUFFER, true);
        assertThat(response.body.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo((long) written * BULK_CHUNK);
    }

    /**
     * Neither end keeps an HPACK dynamic table ({@link Http2Pipelines#HEADER_TABLE_SIZE}): after calls
     * with the same header fields each way, both decoders and both encoders are at table size 0, and
     * the calls were answered.
     */
    @Test
    @Timeout(60)
    void neitherEndKeepsAHeaderTable() throws Exception {
        TunnelSession session = start(echo());
        for (int i = 0; i < 3; i++) {
            roundTrip(session, 1);
        }
        Http2FrameCodec hub = ((DefaultTunnelSession) session).channel().pipeline().get(Http2FrameCodec.class);
        Http2FrameCodec agentCodec = agent.currentChannel().get(10, TimeUnit.SECONDS).pipeline().get(Http2FrameCodec.class);
        for (Http2FrameCodec codec : List.of(hub, agentCodec)) {
            assertThat(codec.decoder().localSettings().headerTableSize())
                    .as("the table the peer may fill for this end (its decoder's, as applied)").isZero();
            assertThat(codec.encoder().configuration().headersConfiguration().maxHeaderTableSize())
                    .as("the table this end may fill for the peer").isZero();
        }
    }

    /**
     * Both ends share a connection's window among its streams with Netty's
     * {@link UniformStreamByteDistributor} (Http2Pipelines.TunnelCodecBuilder), not the weighted
     * one with RFC 7540's priority tree, and two streams written at once both arrive whole.
     */
    @Test
    @Timeout(60)
    void bothEndsShareTheWindowWithoutAPriorityTree() throws Exception {
        TunnelSession session = start(echo());
        CompletableFuture<Void> first = CompletableFuture.runAsync(() -> roundTripUnchecked(session));
        CompletableFuture<Void> second = CompletableFuture.runAsync(() -> roundTripUnchecked(session));
        CompletableFuture.allOf(first, second).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        Http2FrameCodec hub = ((DefaultTunnelSession) session).channel().pipeline().get(Http2FrameCodec.class);
        Http2FrameCodec agentCodec = agent.currentChannel().get(10, TimeUnit.SECONDS).pipeline().get(Http2FrameCodec.class);
        for (Http2FrameCodec codec : List.of(hub, agentCodec)) {
            Http2RemoteFlowController controller = codec.connection().remote().flowController();
            Field distributor = DefaultHttp2RemoteFlowController.class.getDeclaredField("streamByteDistributor");
            distributor.setAccessible(true);
            assertThat(distributor.get(controller)).isInstanceOf(UniformStreamByteDistributor.class);
        }
    }

    private void roundTripUnchecked(TunnelSession session) {
        try {
            roundTrip(session);
        } catch (Exception e) {
            throw new CompletionException(e);
        }
    }

    private void roundTrip(TunnelSession session) throws Exception {
        roundTrip(session, CHUNKS);
    }

    private void roundTrip(TunnelSession session, int chunks) throws Exception {
        Collector response = new Collector();
        TunnelStream stream = session.openStream(response).get(10, TimeUnit.SECONDS);
        response.attach(stream);
        stream.writeHeaders(post("/echo"), false).get(10, TimeUnit.SECONDS);
        CRC32 sent = new CRC32();
        writeChunks(stream, chunks, CHUNK, sent).get(WAIT.toSeconds(), TimeUnit.SECONDS);

        assertThat(response.headers.get(10, TimeUnit.SECONDS).status().toString()).isEqualTo("200");
        assertThat(response.body.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo((long) chunks * CHUNK);
        assertThat(response.crc.getValue()).isEqualTo(sent.getValue());
    }

    /** A plaintext hub and agent whose incoming streams {@code streams} serves. */
    private TunnelSession start(IncomingStreamHandlerFactory streams) throws Exception {
        server = server("hub-plain").build();
        InetSocketAddress address = server.start().get(10, TimeUnit.SECONDS);
        agent = connector(address, "agent-1", streams).build();
        agent.start();
        return awaitSession(server, "agent-1");
    }

    /** Event loop only, so that nothing reaches the socket meanwhile: chunks written until unwritable. */
    private static int writeWhileWritable(TunnelStream stream) {
        int written = 0;
        while (stream.isWritable() && written < 4 * CHUNKS_PER_TURN) {
            ByteBuf chunk = Unpooled.wrappedBuffer(TunnelTestKit.chunk(written, BULK_CHUNK));
            stream.writeData(chunk, false);
            written++;
        }
        return written;
    }
}
