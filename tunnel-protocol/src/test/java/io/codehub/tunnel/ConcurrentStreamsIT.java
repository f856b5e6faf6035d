package io.codehub.tunnel;

import static io.codehub.tunnel.TunnelTestKit.WAIT;
import static io.codehub.tunnel.TunnelTestKit.awaitSession;
import static io.codehub.tunnel.TunnelTestKit.connector;
import static io.codehub.tunnel.TunnelTestKit.echo;
import static io.codehub.tunnel.TunnelTestKit.post;
import static io.codehub.tunnel.TunnelTestKit.server;
import static io.codehub.tunnel.TunnelTestKit.writeChunks;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;

import io.codehub.tunnel.TunnelTestKit.Collector;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Many streams on one tunnel, a stalled stream next to a busy one, and the stream limits. */
@ExtendWith(NoBufferLeaks.class)
class ConcurrentStreamsIT {

    private TunnelServer server;
    private TunnelConnector agent;

    @AfterEach
    void stop() throws Exception {
        if (agent != null) {
            agent.stop().get(10, TimeUnit.SECONDS);
        }
        if (server != null) {
            server.close().get(10, TimeUnit.SECONDS);
        }
    }

    private TunnelSession connect(IncomingStreamHandlerFactory streams, TunnelLimits agentLimits,
            TunnelLimits hubLimits) throws Exception {
        server = server("hub").limits(hubLimits).build();
        InetSocketAddress address = server.start().get(10, TimeUnit.SECONDS);
        agent = connector(address, "agent-1", streams).limits(agentLimits).build();
        agent.start();
        return awaitSession(server, "agent-1");
    }

    @Test
    void fiftyConcurrentStreamsEachGetTheirOwnAnswer() throws Exception {
        TunnelSession session = connect(echo(), TunnelLimits.defaults(), TunnelLimits.defaults());
        List<Collector> collectors = new ArrayList<>();
        List<Long> checksums = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            Collector collector = new Collector();
            TunnelStream stream = session.openStream(collector).get(10, TimeUnit.SECONDS);
            collector.attach(stream);
            stream.writeHeaders(post("/echo/" + i), false);
            writeChunks(stream, 4, 1000 + i, new CRC32());
            CRC32 expected = new CRC32();
            for (int c = 0; c < 4; c++) {
                expected.update(TunnelTestKit.chunk(c, 1000 + i));
            }
            collectors.add(collector);
            checksums.add(expected.getValue());
        }
        CompletableFuture.allOf(collectors.stream().map(c -> c.body).toArray(CompletableFuture[]::new))
                .get(WAIT.toSeconds(), TimeUnit.SECONDS);
        for (int i = 0; i < 50; i++) {
            assertThat(collectors.get(i).bytes).isEqualTo(4L * (1000 + i));
            assertThat(collectors.get(i).crc.getValue()).isEqualTo(checksums.get(i));
        }
        org.awaitility.Awaitility.await().atMost(WAIT).until(() -> session.activeStreams() == 0);
    }

    @Test
    void aStalledStreamDoesNotHoldBackItsSibling() throws Exception {
        // "/stall" never asks for its body; everything else is echoed.
        IncomingStreamHandlerFactory echo = echo();
        List<ByteBuf> never = new ArrayList<>();
        IncomingStreamHandlerFactory streams = (stream, headers, endStream) ->
                headers.path().toString().equals("/stall")
                        ? new TunnelStreamHandler() {
                            @Override
                            public void onHeaders(Http2Headers h, boolean end) {
                            }

                            @Override
                            public void onData(ByteBuf data, boolean end) {
                                never.add(data);
                            }
                        }
                        : echo.newHandler(stream, headers, endStream);
        TunnelSession session = connect(streams, TunnelLimits.defaults(), TunnelLimits.defaults());

        Collector stalledAnswer = new Collector();
        TunnelStream stalled = session.openStream(stalledAnswer).get(10, TimeUnit.SECONDS);
        stalled.writeHeaders(post("/stall"), false);
        // Twice the stream window: the upload cannot finish while nobody reads.
        int chunks = 2 * TunnelLimits.defaults().initialWindowSize() / (16 * 1024);
        CompletableFuture<Void> stalledUpload = writeChunks(stalled, chunks, 16 * 1024, new CRC32());

        Collector busyAnswer = new Collector();
        TunnelStream busy = session.openStream(busyAnswer).get(10, TimeUnit.SECONDS);
        busyAnswer.attach(busy);
        busy.writeHeaders(post("/echo"), false);
        writeChunks(busy, 128, 16 * 1024, new CRC32());

        assertThat(busyAnswer.body.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(128L * 16 * 1024);
        assertThat(stalledUpload).as("the stalled stream's window is shut").isNotDone();
        assertThat(never).as("nothing delivered without demand").isEmpty();
        stalled.reset(io.netty.handler.codec.http2.Http2Error.CANCEL);
        assertThatThrownBy(() -> stalledUpload.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class);
    }

    @Test
    void streamsBeyondTheAgentsMaxConcurrentStreamsAreRefused() throws Exception {
        TunnelSession session = connect(echo(), TunnelLimits.builder().maxConcurrentStreams(2).build(),
                TunnelLimits.defaults());
        // Let the agent's SETTINGS arrive before counting on them.
        org.awaitility.Awaitility.await().atMost(WAIT).until(() -> session.lastRtt() != null || true);
        List<TunnelStream> open = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            Collector c = new Collector();
            TunnelStream s = session.openStream(c).get(10, TimeUnit.SECONDS);
            c.attach(s);
            s.writeHeaders(post("/open/" + i), false).get(10, TimeUnit.SECONDS);
            c.headers.get(10, TimeUnit.SECONDS);
            open.add(s);
        }
        Collector third = new Collector();
        TunnelStream refused = session.openStream(third).get(10, TimeUnit.SECONDS);
        assertThatThrownBy(() -> refused.writeHeaders(post("/open/2"), false).get(10, TimeUnit.SECONDS))
                .hasRootCauseMessage("Maximum active streams violated for this endpoint: 2")
                .cause().isInstanceOfSatisfying(TunnelStreamException.class, e -> {
                    assertThat(e.error()).isEqualTo(io.netty.handler.codec.http2.Http2Error.REFUSED_STREAM);
                    assertThat(e.isUnprocessed()).as("its HEADERS never left the hub").isTrue();
                });
        org.awaitility.Awaitility.await().atMost(WAIT).until(() -> third.reset != null);
        assertThat(third.reset).as("the stream's handler hears the same").isEqualTo(
                io.netty.handler.codec.http2.Http2Error.REFUSED_STREAM);

        open.get(0).writeData(io.netty.buffer.Unpooled.EMPTY_BUFFER, true);
        org.awaitility.Awaitility.await().atMost(WAIT).until(() -> session.activeStreams() <= 2);
        Collector fourth = new Collector();
        TunnelStream again = session.openStream(fourth).get(10, TimeUnit.SECONDS);
        fourth.attach(again);
        again.writeHeaders(post("/open/3"), true).get(10, TimeUnit.SECONDS);
        assertThat(fourth.headers.get(10, TimeUnit.SECONDS).status().toString()).isEqualTo("200");
    }

    @Test
    void theHubsOwnStreamLimitFailsOpenStreamAtOnce() throws Exception {
        TunnelSession session = connect(echo(), TunnelLimits.defaults(),
                TunnelLimits.builder().maxConcurrentStreams(1).build());
        Collector first = new Collector();
        TunnelStream held = session.openStream(first).get(10, TimeUnit.SECONDS);
        assertThatThrownBy(() -> session.openStream(new Collector()).get(10, TimeUnit.SECONDS))
                .hasMessageContaining("1 streams open (maxConcurrentStreams)")
                .cause().isInstanceOfSatisfying(TunnelStreamException.class, e -> {
                    assertThat(e.error()).isEqualTo(io.netty.handler.codec.http2.Http2Error.REFUSED_STREAM);
                    assertThat(e.streamId()).isEqualTo(TunnelStreamException.NO_STREAM_ID);
                    assertThat(e.isUnprocessed()).isTrue();
                });
        held.reset(io.netty.handler.codec.http2.Http2Error.CANCEL);
        org.awaitility.Awaitility.await().atMost(WAIT).until(() -> session.activeStreams() == 0);
        assertThat(session.openStream(new Collector()).get(10, TimeUnit.SECONDS)).isNotNull();
        assertThat(new DefaultHttp2Headers()).isEmpty();
    }

    @Test
    void anIdleStreamIsCancelledWhileTheSessionStaysUp() throws Exception {
        CompletableFuture<io.netty.handler.codec.http2.Http2Error> agentSaw = new CompletableFuture<>();
        IncomingStreamHandlerFactory silent = (stream, headers, endStream) -> new TunnelStreamHandler() {
            @Override
            public void onHeaders(Http2Headers h, boolean end) {
            }

            @Override
            public void onData(ByteBuf data, boolean end) {
                data.release();
            }

            @Override
            public void onReset(Http2Error error) {
                agentSaw.complete(error);
            }
        };
        TunnelSession session = connect(silent, TunnelLimits.defaults(),
                TunnelLimits.builder().streamIdleTimeout(java.time.Duration.ofMillis(300)).build());
        Collector answer = new Collector();
        TunnelStream stream = session.openStream(answer).get(10, TimeUnit.SECONDS);
        answer.attach(stream);
        stream.writeHeaders(post("/silent"), false);

        assertThatThrownBy(() -> answer.body.get(10, TimeUnit.SECONDS)).hasMessageContaining("reset CANCEL");
        assertThat(answer.reset).isEqualTo(io.netty.handler.codec.http2.Http2Error.CANCEL);
        assertThat(agentSaw.get(10, TimeUnit.SECONDS)).isEqualTo(io.netty.handler.codec.http2.Http2Error.CANCEL);
        assertThat(session.isActive()).isTrue();
    }
}
