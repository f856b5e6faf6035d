package io.codehub.bench;

import java.net.URI;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import javax.net.ssl.SSLException;

import io.codehub.tunnel.ConnectorListener;
import io.codehub.tunnel.TicketStore;
import io.codehub.tunnel.TunnelConnector;
import io.codehub.tunnel.TunnelConnectorBuilder;
import io.codehub.tunnel.TunnelTransport;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;

/**
 * What the bench's swarms of simulated agents ({@link BenchSwarm}, {@link FleetSwarm}) share:
 * connectors that dial the bench's own hub over TLS on 127.0.0.1 (its certificate not verified),
 * on two event-loop threads, with in-memory tickets and the default reconnect policy.
 */
final class SwarmConnectors {

    private final URI hub;
    private final SslContext tls;
    private final EventLoopGroup group = TunnelTransport.newEventLoopGroup(2);

    SwarmConnectors(int port) throws SSLException {
        this.hub = URI.create("tls://127.0.0.1:" + port);
        this.tls = SslContextBuilder.forClient().trustManager(InsecureTrustManagerFactory.INSTANCE).build();
    }

    /** A connector of the agent with {@code apiKey}, reporting to {@code listener}; its streams are the caller's. */
    TunnelConnectorBuilder connector(String apiKey, ConnectorListener listener) {
        return TunnelConnector.builder()
                .hubUri(hub)
                .tlsServerName("localhost")
                .sslContext(tls)
                .apiKey(apiKey)
                .agentVersion("bench/1")
                .ticketStore(TicketStore.inMemory())
                .eventLoopGroup(group)
                .listener(listener);
    }

    /**
     * Makes and starts {@code into.length} connectors, {@code rate} a second, each published in
     * {@code into} before {@code started} counts it (a reporter reads the array up to that count).
     */
    static void startAll(TunnelConnector[] into, AtomicInteger started, int rate, IntFunction<TunnelConnector> make)
            throws InterruptedException {
        long pause = Math.max(1, 1_000_000L / rate);
        for (int i = 0; i < into.length; i++) {
            TunnelConnector connector = make.apply(i);
            into[i] = connector;
            started.set(i + 1);
            connector.start();
            TimeUnit.MICROSECONDS.sleep(pause);
        }
    }
}
