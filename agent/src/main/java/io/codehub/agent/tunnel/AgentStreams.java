package io.codehub.agent.tunnel;

import io.codehub.tunnel.IncomingStreamHandlerFactory;
import io.netty.buffer.ByteBufAllocator;
import org.springframework.context.ApplicationContext;
import org.springframework.core.io.buffer.NettyDataBufferFactory;
import org.springframework.http.server.reactive.HttpHandler;
import org.springframework.web.server.adapter.WebHttpHandlerBuilder;
import reactor.core.scheduler.Schedulers;

/**
 * How the agent serves the hub's tunnel streams with its Agent API: the application's WebFlux
 * pipeline (filters, controller, exception handler, as on the direct listener) behind a
 * {@link IncomingStreamHandlerFactory}. {@link AgentTunnel} serves its own session with it; the
 * fleet benchmark's simulated agents serve theirs with the same.
 */
public final class AgentStreams {

    private AgentStreams() {
    }

    /** The Agent API of {@code context} for tunnel streams, with request bodies capped at {@code maxBodyBytes}. */
    public static IncomingStreamHandlerFactory agentApi(ApplicationContext context, long maxBodyBytes) {
        HttpHandler http = WebHttpHandlerBuilder.applicationContext(context).build();
        return new TunnelHttpHandlerAdapter(http, new NettyDataBufferFactory(ByteBufAllocator.DEFAULT), maxBodyBytes,
                Schedulers.parallel());
    }
}
