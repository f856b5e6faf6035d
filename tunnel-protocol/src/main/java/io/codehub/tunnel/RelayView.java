package io.codehub.tunnel;

import java.net.InetSocketAddress;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import org.jspecify.annotations.Nullable;

/**
 * A {@link TunnelSession} of one agent through one {@link RelayConnection}: the forwarder's view,
 * handed out by {@link RelayClient#session}. Streams are opened as {@link DefaultTunnelSession}
 * opens them (same child pipelines), with one more handler that puts the relay headers into the
 * first HEADERS frame.
 */
final class RelayView implements TunnelSession {

    private final RelayConnection connection;
    private final String agentId;
    private final Http2Headers relayHeaders;
    private final TunnelLimits limits;
    private final Instant openedAt = Instant.now();
    private final AtomicInteger activeStreams = new AtomicInteger();

    RelayView(RelayConnection connection, String agentId, Http2Headers relayHeaders, TunnelLimits limits) {
        this.connection = connection;
        this.agentId = agentId;
        this.relayHeaders = relayHeaders;
        this.limits = limits;
    }

    @Override public String sessionId() { return connection.name(); }
    @Override public String agentId() { return agentId; }
    @Override public InetSocketAddress remoteAddress() { return connection.peer(); }
    @Override public String agentVersion() { return ""; }
    @Override public Instant openedAt() { return openedAt; }
    @Override public @Nullable Duration lastRtt() { return connection.lastRtt(); }
    @Override public List<X509Certificate> peerCertificates() { return List.of(); }
    @Override public boolean isActive() { return connection.isUsable(); }
    @Override public int activeStreams() { return activeStreams.get(); }
    @Override public EventLoop eventLoop() { return connection.eventLoop(); }
    @Override public CompletableFuture<Void> closeFuture() { return connection.closeFuture(); }

    /** Does nothing: the connection is shared, and only the owner hub closes the agent's tunnel. */
    @Override
    public CompletableFuture<Void> close(String reason) {
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletableFuture<TunnelStream> openStream(TunnelStreamHandler handler) {
        Objects.requireNonNull(handler, "handler");
        CompletableFuture<TunnelStream> result = new CompletableFuture<>();
        StreamChannelHandler streamHandler = new StreamChannelHandler(sessionId(), handler, TunnelObserver.NONE);
        openChild(result, "openStream", ch -> ch.pipeline().addLast(new RelayHeaders(relayHeaders),
                Http2Pipelines.streamIdleHandler(limits), streamHandler), ch -> result.complete(streamHandler.stream()));
        return result;
    }

    @Override
    public CompletableFuture<Channel> openConnect(String host, int port, ChannelHandler handler) {
        Objects.requireNonNull(handler, "handler");
        String authority = ConnectStreamCodec.authority(host, port);
        CompletableFuture<Channel> result = new CompletableFuture<>();
        ConnectStreamCodec codec = new ConnectStreamCodec(authority, sessionId(), result, TunnelObserver.NONE);
        openChild(result, "openConnect " + authority, ch -> ch.pipeline().addLast(new RelayHeaders(relayHeaders),
                codec, handler), codec::start);
        return result;
    }

    /**
     * Opens a child stream channel ({@code AUTO_READ} off) once the connection is ready; fails
     * {@code result} as unprocessed when it could not be made, closed, or received GOAWAY.
     */
    private void openChild(CompletableFuture<?> result, String operation, Consumer<Http2StreamChannel> init,
            Consumer<Http2StreamChannel> opened) {
        String what = operation + " for agent " + agentId;
        connection.ready().whenComplete((channel, error) -> {
            if (error != null || !channel.isActive() || !connection.isUsable()) {
                result.completeExceptionally(connection.unusable(what));
                return;
            }
            activeStreams.incrementAndGet();
            Http2Pipelines.openStreamChannel(channel, init, opened,
                    cause -> result.completeExceptionally(new TunnelConnectionException(
                            TunnelConnectionException.Reason.CLOSED, null, true, what + " on "
                            + connection.name() + " failed: " + cause, cause)),
                    activeStreams::decrementAndGet);
        });
    }

    @Override
    public String toString() {
        return "TunnelSession{id=" + sessionId() + ", agent=" + agentId + ", relayed, streams=" + activeStreams.get()
                + (connection.isUsable() ? "" : ", inactive") + '}';
    }

    /**
     * First handler of a relayed stream's child channel (nearest the connection): the first HEADERS
     * frame written loses every {@value RelayServer#HEADER_PREFIX}{@code *} header the caller put in
     * and gains the view's relay headers; the handler then leaves the pipeline.
     */
    private static final class RelayHeaders extends ChannelOutboundHandlerAdapter {

        private final Http2Headers relayHeaders;

        RelayHeaders(Http2Headers relayHeaders) {
            this.relayHeaders = relayHeaders;
        }

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            if (!(msg instanceof Http2HeadersFrame frame)) {
                ctx.write(msg, promise);
                return;
            }
            Http2Headers merged = RelayStreams.withoutRelayHeaders(frame.headers());
            for (Map.Entry<CharSequence, CharSequence> header : relayHeaders) {
                merged.add(header.getKey(), header.getValue());
            }
            ctx.write(new DefaultHttp2HeadersFrame(merged, frame.isEndStream(), frame.padding()), promise);
            ctx.pipeline().remove(this);
        }
    }
}
