package io.codehub.tunnel;

import static io.codehub.tunnel.TunnelTestKit.WAIT;
import static io.codehub.tunnel.TunnelTestKit.awaitSession;
import static io.codehub.tunnel.TunnelTestKit.connector;
import static io.codehub.tunnel.TunnelTestKit.post;
import static io.codehub.tunnel.TunnelTestKit.server;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * How streams fail, as the hub's end sees it over a real tunnel: a stream the agent refused or that
 * sits above its GOAWAY's last stream id is unprocessed; one reset after the agent answered, or
 * whose session closed under it, is not; a session that goes away refuses new streams unprocessed.
 */
@ExtendWith(NoBufferLeaks.class)
@Timeout(60)
class StreamErrorsIT {

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

    private TunnelSession connect(IncomingStreamHandlerFactory streams) throws Exception {
        server = server("hub").build();
        InetSocketAddress address = server.start().get(10, TimeUnit.SECONDS);
        agent = connector(address, "agent-1", streams).build();
        agent.start();
        return awaitSession(server, "agent-1");
    }

    /** The hub's end of one stream: the typed error it ended with. */
    static final class Failure implements TunnelStreamHandler {
        final CompletableFuture<TunnelStreamException> error = new CompletableFuture<>();
        final CompletableFuture<Http2Headers> headers = new CompletableFuture<>();

        @Override
        public void onHeaders(Http2Headers h, boolean endStream) {
            headers.complete(h);
        }

        @Override
        public void onData(ByteBuf data, boolean endStream) {
            data.release();
        }

        @Override
        public void onStreamError(TunnelStreamException e) {
            error.complete(e);
        }
    }

    private static TunnelStreamException failure(TunnelSession session, String path) throws Exception {
        Failure failure = new Failure();
        TunnelStream stream = session.openStream(failure).get(10, TimeUnit.SECONDS);
        stream.request(2);
        stream.writeHeaders(post(path), true);
        return failure.error.get(20, TimeUnit.SECONDS);
    }

    @Test
    void aStreamTheAgentRefusedIsUnprocessedAndOneResetAfterItsAnswerIsNot() throws Exception {
        TunnelSession session = connect((stream, headers, endStream) -> {
            if (String.valueOf(headers.path()).equals("/refuse")) {
                stream.reset(Http2Error.REFUSED_STREAM);
            } else {
                stream.writeHeaders(new DefaultHttp2Headers().status("200"), false)
                        .thenRun(() -> stream.reset(Http2Error.INTERNAL_ERROR));
            }
            return new Failure();
        });

        TunnelStreamException refused = failure(session, "/refuse");
        assertThat(refused.error()).isEqualTo(Http2Error.REFUSED_STREAM);
        assertThat(refused.isUnprocessed()).isTrue();
        assertThat(refused.streamId()).isPositive();
        assertThat(refused).hasMessageContaining("was reset by the peer (REFUSED_STREAM)");

        TunnelStreamException failed = failure(session, "/answer-then-fail");
        assertThat(failed.error()).isEqualTo(Http2Error.INTERNAL_ERROR);
        assertThat(failed.isUnprocessed()).isFalse();
        assertThat(session.isActive()).as("stream errors leave the session up").isTrue();
    }

    @Test
    void aStreamAboveTheAgentsGoAwayIsUnprocessedAndTheSessionTakesNoNewStream() throws Exception {
        CompletableFuture<Integer> firstStreamId = new CompletableFuture<>();
        TunnelSession session = connect((stream, headers, endStream) -> {
            Http2StreamId id = Http2StreamId.of(stream);
            if (String.valueOf(headers.path()).equals("/first")) {
                firstStreamId.complete(id.value());
            } else {
                // Says "nothing after the first stream was processed", as an agent that stops would.
                // Written under the codec, which computes a GOAWAY's last stream id itself.
                id.parent().pipeline().firstContext().writeAndFlush(goAway(firstStreamId.join()));
            }
            return new Failure();
        });
        Failure first = new Failure();
        TunnelStream held = session.openStream(first).get(10, TimeUnit.SECONDS);
        held.writeHeaders(post("/first"), false).get(10, TimeUnit.SECONDS);
        int lastProcessed = firstStreamId.get(10, TimeUnit.SECONDS);

        TunnelStreamException above = failure(session, "/second");

        assertThat(above.error()).as(above.getMessage()).isEqualTo(Http2Error.REFUSED_STREAM);
        assertThat(above.isUnprocessed()).isTrue();
        assertThat(above.streamId()).isGreaterThan(lastProcessed);
        assertThat(above).hasMessageContaining("above the last stream id " + lastProcessed + " of the peer's GOAWAY");
        assertThat(first.error).as("the stream below the GOAWAY goes on").isNotDone();
        await().atMost(WAIT).until(() -> !session.isActive());
        assertThatThrownBy(() -> session.openStream(new Failure()).get(10, TimeUnit.SECONDS))
                .cause().isInstanceOfSatisfying(TunnelConnectionException.class, e -> {
                    assertThat(e.reason()).isEqualTo(TunnelConnectionException.Reason.GOING_AWAY);
                    assertThat(e.isUnprocessed()).isTrue();
                });
        held.reset(Http2Error.CANCEL);
    }

    @Test
    void aStreamWhoseSessionClosesUnderItIsNotUnprocessedOnceTheAgentHasIt() throws Exception {
        CompletableFuture<TunnelStream> agentHas = new CompletableFuture<>();
        TunnelSession session = connect((stream, headers, endStream) -> {
            agentHas.complete(stream);
            return new Failure();
        });
        Failure hub = new Failure();
        TunnelStream stream = session.openStream(hub).get(10, TimeUnit.SECONDS);
        stream.writeHeaders(post("/hang"), false).get(10, TimeUnit.SECONDS);
        agentHas.get(10, TimeUnit.SECONDS);

        session.close("closed");

        TunnelStreamException lost = hub.error.get(20, TimeUnit.SECONDS);
        assertThat(lost.isUnprocessed()).isFalse();
        assertThat(lost).hasMessageContaining("its session closed");
        assertThatThrownBy(() -> stream.writeData(Unpooled.wrappedBuffer(new byte[] {1}), true).get(10, TimeUnit.SECONDS))
                .cause().isInstanceOf(TunnelException.class);
        assertThatThrownBy(() -> session.openStream(new Failure()).get(10, TimeUnit.SECONDS))
                .cause().isInstanceOfSatisfying(TunnelConnectionException.class, e -> {
                    assertThat(e.reason()).isEqualTo(TunnelConnectionException.Reason.CLOSED);
                    assertThat(e.isUnprocessed()).isTrue();
                });
    }

    /** A GOAWAY frame (RFC 9113 §6.8) with {@code lastStreamId}, NO_ERROR and no debug data. */
    private static ByteBuf goAway(int lastStreamId) {
        return Unpooled.buffer(17)
                .writeMedium(8).writeByte(0x7).writeByte(0).writeInt(0)
                .writeInt(lastStreamId).writeInt((int) Http2Error.NO_ERROR.code());
    }

    /** The agent's view of a stream's id and connection, through the package-private stream type. */
    private record Http2StreamId(int value, Channel parent) {
        static Http2StreamId of(TunnelStream stream) {
            DefaultTunnelStream s = (DefaultTunnelStream) stream;
            return new Http2StreamId(s.channel().stream().id(), s.channel().parent());
        }
    }
}
