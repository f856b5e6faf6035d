package io.codehub.agent.metrics;

import java.net.InetSocketAddress;
import java.time.Duration;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.handler.codec.http.HttpHeaderNames;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * The scrape port ({@code CODEHUB_AGENT_MANAGEMENT_PORT}): {@code GET /metrics} answers the
 * registry's Prometheus text, everything else 404. It carries no token, so it binds loopback unless
 * told otherwise; it exists for agents that have no listener reachable by Prometheus (tunnel-only
 * agents, {@code CODEHUB_AGENT_LISTEN=none}) and for scrapers that cannot present a hub token.
 */
final class MetricsPort implements SmartLifecycle {

    static final String PATH = "/metrics";
    private static final Logger log = LoggerFactory.getLogger(MetricsPort.class);
    private static final String TEXT = "text/plain; version=0.0.4; charset=utf-8";

    private final InetSocketAddress bind;
    private final PrometheusMeterRegistry registry;
    private volatile @Nullable DisposableServer server;

    MetricsPort(InetSocketAddress bind, PrometheusMeterRegistry registry) {
        this.bind = bind;
        this.registry = registry;
    }

    @Override
    public void start() {
        server = HttpServer.create()
                .bindAddress(() -> bind)
                .idleTimeout(Duration.ofSeconds(60))
                .route(routes -> routes.get(PATH, (request, response) -> response
                        .header(HttpHeaderNames.CONTENT_TYPE, TEXT)
                        .sendString(Mono.fromSupplier(registry::scrape))))
                .bindNow(Duration.ofSeconds(30));
        log.info("metrics at http://{}{} (no token: CODEHUB_AGENT_MANAGEMENT_ADDRESS decides who can reach it)",
                address(), PATH);
    }

    @Override
    public void stop() {
        DisposableServer s = server;
        server = null;
        if (s != null) {
            s.disposeNow(Duration.ofSeconds(5));
        }
    }

    @Override
    public boolean isRunning() {
        return server != null;
    }

    /** The bound address while running (the real port when 0 was asked). */
    @Nullable InetSocketAddress address() {
        DisposableServer s = server;
        return s == null ? null : (InetSocketAddress) s.address();
    }
}
