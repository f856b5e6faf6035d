package io.codehub.tunnel.reactive;

import static org.awaitility.Awaitility.await;

import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import io.codehub.tunnel.AuthDecision;
import io.codehub.tunnel.IncomingStreamHandlerFactory;
import io.codehub.tunnel.TunnelConnector;
import io.codehub.tunnel.TunnelLimits;
import io.codehub.tunnel.TunnelServer;
import io.codehub.tunnel.TunnelSession;
import io.codehub.tunnel.TunnelStream;
import io.codehub.tunnel.TunnelStreamHandler;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;

/**
 * A real tunnel on 127.0.0.1: a {@link TunnelServer} (the hub's end, which opens streams) and a
 * {@link TunnelConnector} that dialled it (the agent's end, whose streams go to whatever
 * {@link #agent(IncomingStreamHandlerFactory)} set last). Small flow-control windows, so that a
 * few hundred KiB exercise back-pressure.
 */
final class LoopbackTunnel implements AutoCloseable {

    static final Duration WAIT = Duration.ofSeconds(20);
    static final int WINDOW = 64 * 1024;
    static final int MAX_FRAME = 16 * 1024;
    private static final String AGENT = "bridge-agent";
    private static final String KEY = "chk_" + AGENT + "_s3cr3t";

    private final TunnelServer server;
    private final TunnelConnector connector;
    private final AtomicReference<IncomingStreamHandlerFactory> agent;

    private LoopbackTunnel(TunnelServer server, TunnelConnector connector,
            AtomicReference<IncomingStreamHandlerFactory> agent) {
        this.server = server;
        this.connector = connector;
        this.agent = agent;
    }

    static LoopbackTunnel start() throws Exception {
        // 16 KiB frames (RFC 9113's minimum; the tunnel's default is 256 KiB): a frame is one of the
        // tests' 16 KiB chunks, so they can count what demand lets through frame by frame.
        TunnelLimits limits = TunnelLimits.builder().initialWindowSize(WINDOW).maxFrameSize(MAX_FRAME).build();
        TunnelServer server = TunnelServer.builder()
                .bindAddress(new InetSocketAddress("127.0.0.1", 0))
                .hubId("bridge-hub")
                .ioThreads(1)
                .limits(limits)
                .authenticator(request -> CompletableFuture.completedFuture(KEY.equals(request.apiKey())
                        ? AuthDecision.accept(AGENT, null) : AuthDecision.reject(401, "wrong key", null)))
                .build();
        InetSocketAddress port = server.start().get(10, TimeUnit.SECONDS);
        AtomicReference<IncomingStreamHandlerFactory> agent = new AtomicReference<>();
        TunnelConnector connector = TunnelConnector.builder()
                .hubUri(URI.create("tcp://127.0.0.1:" + port.getPort()))
                .apiKey(KEY)
                .agentVersion("bridge-test/1")
                .limits(limits)
                .streamHandlerFactory((stream, headers, endStream) -> agent.get().newHandler(stream, headers, endStream))
                .build();
        LoopbackTunnel tunnel = new LoopbackTunnel(server, connector, agent);
        connector.start();
        await().atMost(WAIT).until(() -> server.session(AGENT).filter(TunnelSession::isActive).isPresent());
        return tunnel;
    }

    /** What the agent's end does with the next streams. */
    void agent(IncomingStreamHandlerFactory factory) {
        agent.set(factory);
    }

    /** The hub's end: the agent's live session. */
    TunnelSession session() {
        return server.session(AGENT).orElseThrow();
    }

    /** Opens a stream from the hub's end; frames go to {@code handler}. */
    TunnelStream open(TunnelStreamHandler handler) throws Exception {
        return session().openStream(handler).get(10, TimeUnit.SECONDS);
    }

    static Http2Headers request(String path) {
        return new DefaultHttp2Headers().method("POST").scheme("http").authority("agent").path(path);
    }

    static Http2Headers ok() {
        return new DefaultHttp2Headers().status("200");
    }

    @Override
    public void close() throws Exception {
        try {
            connector.stop().get(10, TimeUnit.SECONDS);
        } finally {
            server.close().get(10, TimeUnit.SECONDS);
        }
    }
}
