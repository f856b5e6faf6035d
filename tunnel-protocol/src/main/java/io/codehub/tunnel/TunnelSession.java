package io.codehub.tunnel;

import java.net.InetSocketAddress;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.EventLoop;
import org.jspecify.annotations.Nullable;

/**
 * Hub side: one connected agent. The hub is the HTTP/2 client of the session, so it opens every
 * stream; the agent answers them. A newer session of the same agent replaces this one (GOAWAY
 * {@value TunnelProtocol#GOAWAY_REPLACED}, then close). Thread-safe.
 */
public interface TunnelSession {

    /** Random id, also sent to the agent in {@value TunnelProtocol#SESSION_ID_HEADER}. */
    String sessionId();

    /** The agent id the authenticator accepted. */
    String agentId();

    /** The TCP peer of the tunnel (the NAT or proxy address for agents behind one). */
    InetSocketAddress remoteAddress();

    /** The agent's {@value TunnelProtocol#AGENT_VERSION_HEADER}. */
    String agentVersion();

    /** What the agent said about where it runs, in its upgrade request. */
    default AgentDescription description() {
        return AgentDescription.NONE;
    }

    /**
     * The agent's clock minus this hub's, as measured at the handshake: its
     * {@value TunnelProtocol#AGENT_TIME_HEADER} against the server's clock when the upgrade request
     * arrived (one way, so it reads early by the request's transit time); null when the agent did not
     * send the header.
     */
    default @Nullable Duration agentClockOffset() {
        return null;
    }

    /** When the 101 was sent. */
    Instant openedAt();

    /** Round-trip time of the last acknowledged PING, or null before the first. */
    @Nullable Duration lastRtt();

    /** The TLS client certificate chain the agent presented at the handshake, leaf first; empty without mTLS. */
    List<X509Certificate> peerCertificates();

    /** Open and not draining: new streams may be opened. */
    boolean isActive();

    /** Streams currently open on this session. */
    int activeStreams();

    /**
     * Opens a stream whose inbound frames go to {@code handler}. The future fails with a
     * {@link TunnelConnectionException} when the session is closed or draining, or with a
     * {@link TunnelStreamException} ({@code REFUSED_STREAM}) when
     * {@link TunnelLimits#maxConcurrentStreams()} streams are open; both are
     * {@linkplain TunnelException#isUnprocessed() unprocessed}. The agent's own
     * SETTINGS_MAX_CONCURRENT_STREAMS is enforced when the first HEADERS is written: that write
     * fails with an unprocessed {@link TunnelStreamException}.
     */
    CompletableFuture<TunnelStream> openStream(TunnelStreamHandler handler);

    /**
     * Opens a CONNECT stream to {@code host:port} through the agent, which allows only upstreams of
     * running instances it manages, and hands it over as a byte channel. {@code handler} is the
     * channel's handler after the stream codec: its inbound messages are {@link io.netty.buffer.ByteBuf}s,
     * outbound it writes {@code ByteBuf}s, and the agent's end of stream arrives as a
     * {@link io.netty.channel.socket.ChannelInputShutdownEvent}. The channel has {@code AUTO_READ}
     * off: each {@code read()} lets the agent send one more window's worth, so the handler paces it.
     * Its writability is the stream's flow-control window. Closing it resets the stream (CANCEL),
     * which closes the upstream connection on the agent. No stream idle timeout applies on this
     * end: the caller owns its idle policy.
     *
     * <p>The future completes with the channel once the agent answered {@code 200}; it fails with a
     * {@link ConnectRefusedException} on any other answer, and as {@link #openStream} does when no
     * stream can be opened.
     */
    CompletableFuture<Channel> openConnect(String host, int port, ChannelHandler handler);

    /**
     * The event loop of the tunnel connection: every stream of the session, and so every channel
     * {@link #openConnect} hands out, runs on it. A proxy that registers its own side of a
     * connection on this loop (see the gateway) relays without a thread hand-off per message.
     */
    EventLoop eventLoop();

    /**
     * Sends GOAWAY with {@code reason} as debug data and closes the connection; the listener hears
     * {@link CloseReason#CLOSED_BY_HUB}.
     */
    CompletableFuture<Void> close(String reason);

    /**
     * Sends GOAWAY with {@code goAway} as debug data and closes the connection; the listener hears
     * {@code reason} (e.g. {@link CloseReason#REVOKED} for a revoked certificate).
     */
    default CompletableFuture<Void> close(String goAway, CloseReason reason) {
        return close(goAway);
    }

    /** Completes when the connection is closed, whoever closed it. */
    CompletableFuture<Void> closeFuture();
}
