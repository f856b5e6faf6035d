package io.codehub.tunnel;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;

import io.codehub.base.Checks;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.NetUtil;
import org.jspecify.annotations.Nullable;

/**
 * Agent side: serves {@code CONNECT} streams ({@code :authority host:port}, no {@code :path}) by
 * opening a TCP connection to the upstream and relaying bytes both ways with back-pressure.
 *
 * <h2>Answers</h2>
 * {@code 200} once the upstream connection is up; {@code 403} when the {@link UpstreamPolicy}
 * refuses the target (logged); {@code 400} for a malformed authority; {@code 405} for a method
 * other than CONNECT; {@code 502} when the upstream cannot be reached. An upstream that fails
 * mid-stream resets the stream with {@code CONNECT_ERROR}.
 *
 * <h2>Back-pressure</h2>
 * Neither side reads ahead: the upstream socket has {@code AUTO_READ} off and is read again only
 * after the previous chunk was written to the tunnel, and the stream requests its next DATA frame
 * only after the previous one was written to the upstream (the HexDumpProxy pattern). A read takes
 * up to 256 KiB (the tunnel's default frame size), as much as the socket holds.
 */
public final class ConnectRelay implements IncomingStreamHandlerFactory {

    /** Default idle timeout of a CONNECT stream, in hours. */
    public static final int DEFAULT_IDLE_HOURS = 24;

    private static final System.Logger LOG = System.getLogger(ConnectRelay.class.getName());

    private final UpstreamPolicy policy;
    private final Duration connectTimeout;
    private final Executor resolver;
    private final Duration idleTimeout;
    private final TunnelObserver observer;

    private ConnectRelay(UpstreamPolicy policy, Duration connectTimeout, Executor resolver, Duration idleTimeout,
            TunnelObserver observer) {
        this.policy = Objects.requireNonNull(policy, "policy");
        this.connectTimeout = Checks.positive("connectTimeout", connectTimeout);
        this.resolver = Objects.requireNonNull(resolver, "resolver");
        this.idleTimeout = Checks.positive("idleTimeout", idleTimeout);
        this.observer = Objects.requireNonNull(observer, "observer");
    }

    /**
     * A relay with a 10 s upstream connect timeout and a {@value #DEFAULT_IDLE_HOURS} h idle
     * timeout; host names resolved on the common pool.
     */
    public static ConnectRelay create(UpstreamPolicy policy) {
        return create(policy, Duration.ofSeconds(10), ForkJoinPool.commonPool());
    }

    /** A relay with an own connect timeout, resolving host names on {@code resolver}. */
    public static ConnectRelay create(UpstreamPolicy policy, Duration connectTimeout, Executor resolver) {
        return new ConnectRelay(policy, connectTimeout, resolver, Duration.ofHours(DEFAULT_IDLE_HOURS),
                TunnelObserver.NONE);
    }

    /**
     * This relay with another idle timeout: a CONNECT stream with no frame either way for that long
     * is reset. It replaces the tunnel's stream idle timeout (minutes, meant for Agent API calls)
     * on CONNECT streams, which carry WebSockets that may sit idle for hours; the hub's gateway has
     * its own, usually shorter, idle timeout, so this one is only a backstop.
     */
    public ConnectRelay withIdleTimeout(Duration value) {
        return new ConnectRelay(policy, connectTimeout, resolver, value, observer);
    }

    /**
     * This relay reporting its streams (opened, closed) and the bytes it relays each way to
     * {@code value}, for metrics; default {@link TunnelObserver#NONE}.
     */
    public ConnectRelay withObserver(TunnelObserver value) {
        return new ConnectRelay(policy, connectTimeout, resolver, idleTimeout, value);
    }

    /** A factory that sends CONNECT streams here and every other stream to {@code other}. */
    public IncomingStreamHandlerFactory orElse(IncomingStreamHandlerFactory other) {
        Objects.requireNonNull(other, "other");
        return (stream, headers, endStream) -> isConnect(headers)
                ? newHandler(stream, headers, endStream)
                : other.newHandler(stream, headers, endStream);
    }

    static boolean isConnect(Http2Headers headers) {
        return headers.method() != null && "CONNECT".contentEquals(headers.method());
    }

    @Override
    public TunnelStreamHandler newHandler(TunnelStream stream, Http2Headers headers, boolean endStream) {
        if (!isConnect(headers)) {
            return answer(stream, "405");
        }
        CharSequence authority = headers.authority();
        String host = authority == null ? null : host(authority.toString());
        int port = authority == null ? -1 : port(authority.toString());
        if (host == null || port <= 0 || headers.path() != null || endStream) {
            return answer(stream, "400");
        }
        if (!policy.allows(host, port)) {
            LOG.log(System.Logger.Level.WARNING, "CONNECT to {0}:{1} refused by policy on session {2}",
                    host, Integer.toString(port), stream.sessionId());
            return answer(stream, "403");
        }
        DefaultTunnelStream tunnelStream = (DefaultTunnelStream) stream;
        tunnelStream.idleTimeout(idleTimeout);
        ConnectRelayHandler handler = new ConnectRelayHandler(tunnelStream, connectTimeout, observer);
        if (NetUtil.isValidIpV4Address(host) || NetUtil.isValidIpV6Address(host)) {
            handler.connect(host, port);
        } else {
            handler.resolveAndConnect(host, port, resolver);
        }
        return handler;
    }

    private static TunnelStreamHandler answer(TunnelStream stream, String status) {
        stream.writeHeaders(new DefaultHttp2Headers().status(status), true);
        return new TunnelStreamHandler() {
            @Override
            public void onHeaders(Http2Headers headers, boolean endStream) {
            }

            @Override
            public void onData(ByteBuf data, boolean endStream) {
                data.release();
            }
        };
    }

    /** Host of {@code host:port} or {@code [v6]:port}, or null when malformed. */
    static @Nullable String host(String authority) {
        if (authority.startsWith("[")) {
            int end = authority.indexOf(']');
            return end > 1 && authority.startsWith(":", end + 1) ? authority.substring(1, end) : null;
        }
        int colon = authority.lastIndexOf(':');
        if (colon <= 0 || authority.indexOf(':') != colon) {
            return null;
        }
        String host = authority.substring(0, colon);
        return host.chars().allMatch(c -> Character.isLetterOrDigit(c) || c == '-' || c == '.') ? host : null;
    }

    /** Port of {@code host:port}, or -1 when malformed. */
    static int port(String authority) {
        int colon = authority.lastIndexOf(':');
        if (colon < 0 || colon == authority.length() - 1 || authority.length() - colon > 6) {
            return -1;
        }
        try {
            int port = Integer.parseInt(authority.substring(colon + 1));
            return port > 0 && port <= 65_535 ? port : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
