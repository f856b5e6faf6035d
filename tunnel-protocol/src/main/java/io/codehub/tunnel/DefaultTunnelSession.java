package io.codehub.tunnel;

import java.net.InetSocketAddress;
import java.net.SocketException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.EventLoop;
import io.netty.channel.unix.Errors;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2StreamChannel;
import org.jspecify.annotations.Nullable;

/**
 * Hub-side {@link TunnelSession} over the parent channel of an HTTP/2 client connection.
 *
 * <h2>Draining</h2>
 * {@link #drain(String, Duration)} (the hub drains, or a newer session replaced this one) refuses
 * new streams from then on and hands the connection to {@link GracefulClose}: GOAWAY with the
 * reason, then the HTTP/2 codec closes it when its last open stream ends, or when the grace runs
 * out. {@link #close(String)} is the same close with no grace.
 */
final class DefaultTunnelSession implements TunnelSession {

    private final String sessionId;
    private final String agentId;
    private final String agentVersion;
    private final InetSocketAddress remoteAddress;
    private final Instant openedAt;
    private final Channel channel;
    private final TunnelLimits limits;
    private final List<X509Certificate> peerCertificates;
    private final AgentDescription description;
    private final @Nullable Duration agentClockOffset;
    private final TunnelObserver observer;
    private final AtomicInteger activeStreams = new AtomicInteger();
    private final CompletableFuture<Void> closeFuture = new CompletableFuture<>();
    private volatile @Nullable Duration lastRtt;
    private volatile boolean draining;
    private volatile @Nullable Throwable closeCause;
    private volatile @Nullable CloseReason closeReason;

    DefaultTunnelSession(String sessionId, String agentId, String agentVersion, InetSocketAddress remoteAddress,
            Instant openedAt, Channel channel, TunnelLimits limits,
            List<X509Certificate> peerCertificates, AgentDescription description, @Nullable Duration agentClockOffset,
            TunnelObserver observer) {
        this.sessionId = sessionId;
        this.agentId = agentId;
        this.agentVersion = agentVersion;
        this.remoteAddress = remoteAddress;
        this.openedAt = openedAt;
        this.channel = channel;
        this.limits = limits;
        this.peerCertificates = List.copyOf(peerCertificates);
        this.description = description;
        this.agentClockOffset = agentClockOffset;
        this.observer = observer;
        channel.closeFuture().addListener(f -> closeFuture.complete(null));
    }

    @Override public String sessionId() { return sessionId; }
    @Override public String agentId() { return agentId; }
    @Override public InetSocketAddress remoteAddress() { return remoteAddress; }
    @Override public String agentVersion() { return agentVersion; }
    @Override public Instant openedAt() { return openedAt; }
    @Override public List<X509Certificate> peerCertificates() { return peerCertificates; }
    @Override public AgentDescription description() { return description; }
    @Override public @Nullable Duration agentClockOffset() { return agentClockOffset; }
    @Override public @Nullable Duration lastRtt() { return lastRtt; }
    @Override public int activeStreams() { return activeStreams.get(); }
    @Override public CompletableFuture<Void> closeFuture() { return closeFuture; }

    /** The tunnel connection (tests look at its codec). */
    Channel channel() {
        return channel;
    }

    @Override
    public boolean isActive() {
        return channel.isActive() && !draining;
    }

    @Override
    public CompletableFuture<TunnelStream> openStream(TunnelStreamHandler handler) {
        CompletableFuture<TunnelStream> result = new CompletableFuture<>();
        StreamChannelHandler streamHandler = new StreamChannelHandler(sessionId, handler, observer);
        openChild(result, "openStream", ch -> ch.pipeline().addLast(Http2Pipelines.streamIdleHandler(limits),
                streamHandler), ch -> result.complete(streamHandler.stream()));
        return result;
    }

    @Override
    public CompletableFuture<Channel> openConnect(String host, int port, ChannelHandler handler) {
        Objects.requireNonNull(handler, "handler");
        String authority = ConnectStreamCodec.authority(host, port);
        CompletableFuture<Channel> result = new CompletableFuture<>();
        ConnectStreamCodec codec = new ConnectStreamCodec(authority, sessionId, result, observer);
        openChild(result, "openConnect " + authority, ch -> ch.pipeline().addLast(codec, handler), codec::start);
        return result;
    }

    /**
     * Opens a child stream channel ({@code AUTO_READ} off) counted against
     * {@link TunnelLimits#maxConcurrentStreams()}; fails {@code result} as unprocessed when the
     * session is closed, draining or full.
     */
    private void openChild(CompletableFuture<?> result, String operation, Consumer<Http2StreamChannel> init,
            Consumer<Http2StreamChannel> opened) {
        if (!channel.isActive() || draining) {
            // Nothing was sent: the agent never saw the stream.
            result.completeExceptionally(new TunnelConnectionException(draining
                    ? TunnelConnectionException.Reason.GOING_AWAY : TunnelConnectionException.Reason.CLOSED, null, true,
                    operation + " on session " + sessionId + " of agent " + agentId + ": session "
                    + (draining ? "draining" : "closed"), null));
            return;
        }
        if (activeStreams.incrementAndGet() > limits.maxConcurrentStreams()) {
            activeStreams.decrementAndGet();
            result.completeExceptionally(new TunnelStreamException(TunnelStreamException.NO_STREAM_ID,
                    Http2Error.REFUSED_STREAM, true, operation + " on session " + sessionId + " of agent " + agentId
                    + ": " + limits.maxConcurrentStreams() + " streams open (maxConcurrentStreams)", null));
            return;
        }
        Http2Pipelines.openStreamChannel(channel, init, opened,
                cause -> result.completeExceptionally(new TunnelConnectionException(
                        TunnelConnectionException.Reason.CLOSED, null, true, operation + " on session "
                        + sessionId + " of agent " + agentId + " failed: " + cause, cause)),
                this::streamClosed);
    }

    @Override
    public EventLoop eventLoop() {
        return channel.eventLoop();
    }

    @Override
    public CompletableFuture<Void> close(String reason) {
        return close(reason, CloseReason.CLOSED_BY_HUB);
    }

    @Override
    public CompletableFuture<Void> close(String goAway, CloseReason reason) {
        recordCloseReason(reason);
        GracefulClose.start(channel, goAway, Duration.ZERO);
        return closeFuture;
    }

    /**
     * Sends GOAWAY {@code goAway} and takes no new streams; the connection closes when its last open
     * stream ends, or after {@code grace} at the latest (see {@link GracefulClose}). The listener
     * hears {@code reason}.
     */
    CompletableFuture<Void> drain(String goAway, CloseReason reason, Duration grace) {
        recordCloseReason(reason);
        draining = true;
        GracefulClose.start(channel, goAway, grace);
        return closeFuture;
    }

    /**
     * The agent said GOAWAY: it will not serve new streams. {@code reason} is
     * {@link CloseReason#MOVED} for its GOAWAY {@value TunnelProtocol#GOAWAY_MOVED}, else
     * {@link CloseReason#CLOSED_BY_AGENT}.
     */
    void peerGoingAway(CloseReason reason) {
        recordCloseReason(reason);
        draining = true;
    }

    /** Why the session ends, unless a reason is recorded already (the first wins). */
    void recordCloseReason(CloseReason reason) {
        if (closeReason == null) {
            closeReason = reason;
        }
    }

    /**
     * Why the session ended: the reason recorded first; without one, {@link CloseReason#ERROR} when
     * an error closed it, else {@link CloseReason#CLOSED_BY_AGENT} (the agent's side ended the TCP
     * connection without a GOAWAY, e.g. a killed process: with a FIN, or with a reset when bytes
     * it had not read were waiting, as a PING or a health check the hub had just sent).
     */
    CloseReason closeReason() {
        CloseReason reason = closeReason;
        if (reason != null) {
            return reason;
        }
        Throwable cause = closeCause;
        return cause == null || resetByPeer(cause) ? CloseReason.CLOSED_BY_AGENT : CloseReason.ERROR;
    }

    /** The peer's kernel reset the connection (epoll and io_uring: ECONNRESET; NIO: its message). */
    static boolean resetByPeer(Throwable cause) {
        return cause instanceof Errors.NativeIoException nativeIo && nativeIo.expectedErr() == Errors.ERRNO_ECONNRESET_NEGATIVE
                || cause instanceof SocketException && "Connection reset".equals(cause.getMessage());
    }

    void recordRtt(Duration rtt) {
        lastRtt = rtt;
    }

    void recordCloseCause(Throwable cause) {
        if (closeCause == null) {
            closeCause = cause;
        }
    }

    @Nullable Throwable closeCause() {
        return closeCause;
    }

    private void streamClosed() {
        activeStreams.decrementAndGet();
    }

    @Override
    public String toString() {
        return "TunnelSession{id=" + sessionId + ", agent=" + agentId + ", remote=" + remoteAddress
                + ", streams=" + activeStreams.get() + (draining ? ", draining" : "") + '}';
    }
}
