package io.codehub.tunnel.spring;

import java.net.URI;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

import io.codehub.tunnel.TunnelSession;
import io.netty.buffer.ByteBufAllocator;
import org.springframework.core.io.buffer.NettyDataBufferFactory;
import org.springframework.http.HttpMethod;
import org.springframework.http.client.reactive.ClientHttpConnector;
import org.springframework.http.client.reactive.ClientHttpRequest;
import org.springframework.http.client.reactive.ClientHttpResponse;
import reactor.core.publisher.Mono;

/**
 * WebClient's transport to agents that dialled in: a request to {@code tunnel://<agent id>/path}
 * becomes one HTTP/2 stream on that agent's live {@link TunnelSession} ({@code :scheme http},
 * {@code :authority} the agent id), with bodies streamed both ways under flow control.
 *
 * <h2>Failures</h2>
 * Failures are transport failures, as a socket's would be; {@code RemoteRuntime} alone turns them
 * into the Runtime's errors. An agent without a live session fails at once, before anything is
 * written, with an {@link AgentNotConnectedException} (an
 * {@link io.codehub.runtime.UnprocessedRequestException}: safe to retry whatever the call). A stream
 * reset or a session lost mid-call fails the response or its body with the typed tunnel exception
 * ({@link io.codehub.tunnel.TunnelStreamException}, {@link io.codehub.tunnel.TunnelConnectionException}),
 * wrapped in an {@code UnprocessedRequestException} when the agent provably never processed the
 * call. Cancelling resets the stream.
 */
public final class TunnelClientHttpConnector implements ClientHttpConnector {

    /** The URI scheme of tunnelled agents' endpoints. */
    public static final String SCHEME = "tunnel";

    private final AgentTunnels tunnels;
    private final NettyDataBufferFactory buffers;

    public TunnelClientHttpConnector(AgentTunnels tunnels) {
        this(tunnels, ByteBufAllocator.DEFAULT);
    }

    public TunnelClientHttpConnector(AgentTunnels tunnels, ByteBufAllocator allocator) {
        this.tunnels = Objects.requireNonNull(tunnels, "tunnels");
        this.buffers = new NettyDataBufferFactory(allocator);
    }

    @Override
    public Mono<ClientHttpResponse> connect(HttpMethod method, URI uri,
            Function<? super ClientHttpRequest, Mono<Void>> requestCallback) {
        return Mono.defer(() -> {
            String agentId = agentId(uri);
            Optional<TunnelSession> session = tunnels.session(agentId).filter(TunnelSession::isActive);
            if (session.isEmpty()) {
                return Mono.error(new AgentNotConnectedException(agentId));
            }
            return TunnelExchange.exchange(session.get(), agentId, method, uri, buffers, requestCallback);
        });
    }

    /** The agent a {@code tunnel://<agent id>/...} URI names. */
    static String agentId(URI uri) {
        if (!SCHEME.equalsIgnoreCase(uri.getScheme())) {
            throw new IllegalArgumentException("uri: " + uri + " (expected: tunnel://<agent id>/...)");
        }
        String host = uri.getHost() != null ? uri.getHost() : uri.getRawAuthority();
        if (host == null || host.isEmpty()) {
            throw new IllegalArgumentException("uri: " + uri + " names no agent (expected: tunnel://<agent id>/...)");
        }
        return host;
    }

    @Override
    public String toString() {
        return "TunnelClientHttpConnector";
    }
}
