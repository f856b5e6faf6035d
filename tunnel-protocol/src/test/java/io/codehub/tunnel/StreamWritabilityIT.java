package io.codehub.tunnel;

import static io.codehub.tunnel.TunnelTestKit.WAIT;
import static io.codehub.tunnel.TunnelTestKit.awaitSession;
import static io.codehub.tunnel.TunnelTestKit.connector;
import static io.codehub.tunnel.TunnelTestKit.echo;
import static io.codehub.tunnel.TunnelTestKit.held;
import static io.codehub.tunnel.TunnelTestKit.post;
import static io.codehub.tunnel.TunnelTestKit.server;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.codehub.tunnel.TunnelTestKit.Collector;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A writer that follows {@link TunnelStream#isWritable()} may queue a stream's high water mark
 * ({@link Http2Pipelines#STREAM_WATER_MARK}) in one event-loop turn, at both ends, and no more: so a
 * bulk stream's frames leave in large socket writes (Netty's 64 KiB default halved a bulk stream's
 * speed), and what a stream holds before the socket takes it stays bounded.
 */
@ExtendWith(NoBufferLeaks.class)
@Timeout(60)
class StreamWritabilityIT {

    private static final int CHUNK = 64 * 1024;
    /**
     * Chunks written while writable: the one that takes the queue past the high mark is the last
     * (the mark's worth, or one more when a frame's own bytes do not count).
     */
    private static final int CHUNKS_PER_TURN = Http2Pipelines.STREAM_WATER_MARK.high() / CHUNK;

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

    @Test
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
        assertThat(echoed.body.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo((long) written * CHUNK);
    }

    @Test
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
        assertThat(response.body.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo((long) written * CHUNK);
    }

    private TunnelSession start(IncomingStreamHandlerFactory streams) throws Exception {
        server = server("hub-writability").build();
        InetSocketAddress address = server.start().get(10, TimeUnit.SECONDS);
        agent = connector(address, "agent-1", streams).build();
        agent.start();
        return awaitSession(server, "agent-1");
    }

    /** Event loop only, so that nothing reaches the socket meanwhile: chunks written until unwritable. */
    private static int writeWhileWritable(TunnelStream stream) {
        int written = 0;
        while (stream.isWritable() && written < 4 * CHUNKS_PER_TURN) {
            ByteBuf chunk = Unpooled.wrappedBuffer(TunnelTestKit.chunk(written, CHUNK));
            stream.writeData(chunk, false);
            written++;
        }
        return written;
    }
}
