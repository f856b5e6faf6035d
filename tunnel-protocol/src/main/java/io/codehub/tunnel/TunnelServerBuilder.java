package io.codehub.tunnel;

import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

import io.codehub.base.Checks;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.Ticker;
import org.jspecify.annotations.Nullable;

/**
 * Configures a {@link TunnelServer}. Required: {@link #bindAddress}, {@link #authenticator},
 * {@link #hubId}. Every setter validates at once and names the offending value.
 */
public final class TunnelServerBuilder {

    @Nullable InetSocketAddress bindAddress;
    @Nullable TunnelAuthenticator authenticator;
    @Nullable String hubId;
    @Nullable Supplier<SslContext> sslContext;
    TunnelListener listener = new TunnelListener() { };
    TunnelObserver observer = TunnelObserver.NONE;
    TunnelLimits limits = TunnelLimits.defaults();
    Keepalive keepalive = Keepalive.DEFAULT;
    Duration unavailableRetryAfter = Duration.ofSeconds(5);
    Ticker ticker = Ticker.systemTicker();
    Clock clock = Clock.systemUTC();
    @Nullable EventLoopGroup eventLoopGroup;
    int ioThreads = Math.max(1, Runtime.getRuntime().availableProcessors());
    Duration replacedSessionGrace = Duration.ofSeconds(30);
    final Map<String, EndpointRoute> endpoints = new HashMap<>();

    /** One {@link TunnelEndpoint} with the method it serves and its body cap. */
    record EndpointRoute(String method, int maxBodyBytes, TunnelEndpoint handler) {
    }

    /** Largest body an endpoint may accept. */
    static final int MAX_ENDPOINT_BODY = 1 << 20;

    TunnelServerBuilder() {
    }

    /** Where to listen, for example {@code 0.0.0.0:7443}; port 0 picks a free port. */
    public TunnelServerBuilder bindAddress(InetSocketAddress value) {
        bindAddress = Objects.requireNonNull(value, "bindAddress");
        return this;
    }

    /** Decides who may connect; see {@link TunnelAuthenticator}. */
    public TunnelServerBuilder authenticator(TunnelAuthenticator value) {
        authenticator = Objects.requireNonNull(value, "authenticator");
        return this;
    }

    /** This hub instance's id, sent in {@value TunnelProtocol#HUB_ID_HEADER} (1 to 64 printable chars). */
    public TunnelServerBuilder hubId(String value) {
        if (!HeaderValues.isPrintable(value, 64)) {
            throw new IllegalArgumentException("hubId: \"" + value + "\" (expected: 1 to 64 printable ASCII characters)");
        }
        hubId = value;
        return this;
    }

    /** TLS for the tunnel port; a server context. Without one the port is plaintext. */
    public TunnelServerBuilder sslContext(@Nullable SslContext value) {
        if (value != null && !value.isServer()) {
            throw new IllegalArgumentException("sslContext: client context (expected: a server SslContext)");
        }
        sslContext = value == null ? null : () -> value;
        return this;
    }

    /**
     * TLS for the tunnel port, looked up for every accepted connection: for a certificate or a
     * client-certificate trust bundle that changes while the hub runs. Replaces
     * {@link #sslContext(SslContext)}; each context it gives must be a server context.
     */
    public TunnelServerBuilder sslContextSupplier(Supplier<SslContext> value) {
        sslContext = Objects.requireNonNull(value, "sslContextSupplier");
        return this;
    }

    public TunnelServerBuilder listener(TunnelListener value) {
        listener = Objects.requireNonNull(value, "listener");
        return this;
    }

    /** Counts handshakes, round trips, stream resets and bytes for metrics; default {@link TunnelObserver#NONE}. */
    public TunnelServerBuilder observer(TunnelObserver value) {
        observer = Objects.requireNonNull(value, "observer");
        return this;
    }

    public TunnelServerBuilder limits(TunnelLimits value) {
        limits = Objects.requireNonNull(value, "limits");
        return this;
    }

    public TunnelServerBuilder keepalive(Keepalive value) {
        keepalive = Objects.requireNonNull(value, "keepalive");
        return this;
    }

    /**
     * Retry-After of 503 answers (draining, tunnel limit, authenticator failure); default 5 s. While
     * {@link TunnelServer#drainElsewhere} runs, a draining hub answers {@link TunnelServer#MOVE_RETRY_AFTER}.
     */
    public TunnelServerBuilder unavailableRetryAfter(Duration value) {
        unavailableRetryAfter = Checks.positive("unavailableRetryAfter", value);
        return this;
    }

    /** Monotonic time of the failed-authentication limiter (a fake one in tests). */
    public TunnelServerBuilder ticker(Ticker value) {
        ticker = Objects.requireNonNull(value, "ticker");
        return this;
    }

    /** Wall clock for {@link TunnelSession#openedAt()}. */
    public TunnelServerBuilder clock(Clock value) {
        clock = Objects.requireNonNull(value, "clock");
        return this;
    }

    /** Run on a group owned by the caller (not shut down by the server); default: an own group. */
    public TunnelServerBuilder eventLoopGroup(@Nullable EventLoopGroup value) {
        eventLoopGroup = value;
        return this;
    }

    /** Threads of the server's own group, when no group is given (default: available processors). */
    public TunnelServerBuilder ioThreads(int value) {
        ioThreads = Checks.positive("ioThreads", value);
        return this;
    }

    /**
     * Serves {@code method path} as a plain HTTP/1.1 endpoint on the tunnel port (see
     * {@link TunnelEndpoint}); bodies over {@code maxBodyBytes} (at most 1 MiB) get {@code 413}.
     */
    public TunnelServerBuilder endpoint(String method, String path, int maxBodyBytes, TunnelEndpoint handler) {
        if (method == null || !method.matches("[A-Z]{1,16}")) {
            throw new IllegalArgumentException("method: \"" + method + "\" (expected: an HTTP method such as POST)");
        }
        if (path == null || !path.startsWith("/") || path.contains("?") || path.equals(TunnelProtocol.PATH)
                || !HeaderValues.isPrintable(path, 256)) {
            throw new IllegalArgumentException("path: \"" + path + "\" (expected: an absolute path without a query, "
                    + "not " + TunnelProtocol.PATH + ")");
        }
        Checks.inRange("maxBodyBytes", maxBodyBytes, 0, MAX_ENDPOINT_BODY);
        endpoints.put(path, new EndpointRoute(method, maxBodyBytes, Objects.requireNonNull(handler, "handler")));
        return this;
    }

    /**
     * How long a session replaced by a newer one for the same agent may finish its open streams
     * (it gets GOAWAY {@value TunnelProtocol#GOAWAY_REPLACED} and takes no new ones); default 30 s.
     */
    public TunnelServerBuilder replacedSessionGrace(Duration value) {
        replacedSessionGrace = Checks.positive("replacedSessionGrace", value);
        return this;
    }

    public TunnelServer build() {
        if (bindAddress == null) {
            throw new IllegalStateException("bindAddress: not set (expected: the tunnel port's address)");
        }
        if (authenticator == null) {
            throw new IllegalStateException("authenticator: not set (expected: a TunnelAuthenticator)");
        }
        if (hubId == null) {
            throw new IllegalStateException("hubId: not set (expected: this hub instance's id)");
        }
        return new TunnelServer(this);
    }
}
