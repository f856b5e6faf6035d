package io.codehub.hub.gateway;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;

import io.codehub.hub.remote.AgentRuntimes;
import io.codehub.runtime.ConflictException;
import io.codehub.runtime.NotFoundException;
import io.codehub.runtime.ProblemType;
import io.codehub.runtime.RuntimeProblemException;
import io.codehub.runtime.Upstream;
import io.codehub.runtime.WorkspaceId;
import io.codehub.tunnel.ConnectRefusedException;
import io.codehub.tunnel.TunnelException;
import io.codehub.tunnel.TunnelSession;
import io.codehub.tunnel.TunnelTransport;
import io.codehub.tunnel.spring.AgentTunnels;
import io.codehub.tunnel.spring.TunnelClientHttpConnector;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.handler.ipfilter.IpFilterRuleType;
import io.netty.handler.ipfilter.IpSubnetFilterRule;
import io.netty.util.NetUtil;
import org.jspecify.annotations.Nullable;

/**
 * Opens the byte channel to a workspace's app: a CONNECT stream through the agent's tunnel for
 * {@code tunnel://} agents, a TCP connection for direct ones. The target is always the agent's own
 * answer to {@code GET /instances/{id}/upstream} (cached for a while per workspace, generation
 * and port), never anything from the request.
 *
 * <h2>Direct agents</h2>
 * An agent answers an address reachable from itself. A loopback or wildcard answer (an app
 * published on the agent host's loopback) means the agent's own host, so the hub dials the host of
 * the agent's endpoint. Any other host must be the agent's host too: a direct agent cannot send
 * the hub to a third address (anti-SSRF), unless the operator named that address's network in
 * {@code CODEHUB_HUB_GATEWAY_DIRECT_NETWORKS} (a Docker network the hub shares with the agent's
 * workspaces); agents whose apps live elsewhere (a Kubernetes pod network) are reached through the
 * tunnel, where the agent's CONNECT policy decides.
 *
 * <h2>Channels</h2>
 * The channel is handed over with {@code AUTO_READ} off and {@code handler} as its last handler;
 * a tunnel channel runs on the tunnel connection's event loop ({@link #tunnelLoop}), a direct one
 * on {@code loop}.
 */
final class UpstreamDialer {

    private static final Duration RETRY_AFTER = Duration.ofSeconds(5);
    /** First pause before a dial is tried again; doubled each time up to {@link #MAX_PAUSE}. */
    private static final Duration FIRST_PAUSE = Duration.ofMillis(100);
    private static final Duration MAX_PAUSE = Duration.ofSeconds(1);

    private record Cached(Upstream upstream, long atNanos) {
    }

    private final AgentTunnels tunnels;
    private final AgentRuntimes runtimes;
    private final Duration connectTimeout;
    private final long upstreamMaxAgeNanos;
    private final LongSupplier nanoTime;
    private final Map<String, Cached> upstreams = new ConcurrentHashMap<>();
    private final List<IpSubnetFilterRule> directNetworks;
    private volatile Duration moveWait = Duration.ZERO;

    UpstreamDialer(AgentTunnels tunnels, AgentRuntimes runtimes, Duration connectTimeout, Duration upstreamMaxAge,
            List<String> directNetworks, LongSupplier nanoTime) {
        this.directNetworks = directNetworks.stream()
                .map(cidr -> new IpSubnetFilterRule(cidr, IpFilterRuleType.ACCEPT)).toList();
        this.tunnels = tunnels;
        this.runtimes = runtimes;
        this.connectTimeout = connectTimeout;
        this.upstreamMaxAgeNanos = upstreamMaxAge.toNanos();
        this.nanoTime = nanoTime;
    }

    /**
     * How long a dial waits for an agent that is moving between hubs (see {@link #dial}); none by
     * default (a single hub has nowhere for an agent to move to), at most the connect timeout.
     */
    void waitForMovingAgents(Duration value) {
        moveWait = value.compareTo(connectTimeout) > 0 ? connectTimeout : value;
    }

    /**
     * The event loop of the route's agent's tunnel, or null for a direct agent, one with no tunnel
     * now, or a loop that is ending: a tunnel's channels run on that loop (see
     * {@link TunnelSession#eventLoop()}).
     */
    @Nullable EventLoop tunnelLoop(Route route) {
        if (!isTunnel(route.endpoint())) {
            return null;
        }
        TunnelSession session = tunnels.session(route.agentId()).orElse(null);
        if (session == null || !session.isActive()) {
            return null;
        }
        EventLoop loop = session.eventLoop();
        return loop.isShuttingDown() ? null : loop;
    }

    /**
     * Opens a channel to container port {@code port} of the route's workspace. Fails with a
     * {@link GatewayException}: {@code agent-not-connected}, {@code port-not-exposed},
     * {@code workspace-not-running} (the agent says so), {@code upstream-unavailable}.
     *
     * <p>Among many hubs an agent moving between them (a drain, a hub's death) has no usable tunnel
     * for a moment: while nothing reached the agent ({@code agent-not-connected}, or the tunnel or
     * the hub holding it took no new stream), the dial is tried again, with the session looked up
     * afresh, after 100 ms, then twice as long each time, within {@link #waitForMovingAgents}.
     */
    CompletableFuture<Channel> dial(Route route, int port, EventLoop loop, ChannelHandler handler) {
        return dial(route, port, loop, handler, nanoTime.getAsLong() + moveWait.toNanos(), FIRST_PAUSE);
    }

    private CompletableFuture<Channel> dial(Route route, int port, EventLoop loop, ChannelHandler handler,
            long deadline, Duration pause) {
        return attempt(route, port, loop, handler).exceptionallyCompose(error -> {
            Throwable cause = unwrap(error);
            boolean retryable = cause instanceof GatewayException failed
                    && (failed.problem() == GatewayProblem.AGENT_NOT_CONNECTED
                    || failed.problem() == GatewayProblem.UNAVAILABLE);
            if (!retryable || nanoTime.getAsLong() + pause.toNanos() - deadline > 0) {
                return CompletableFuture.failedFuture(error);
            }
            CompletableFuture<Channel> again = new CompletableFuture<>();
            Duration next = pause.multipliedBy(2).compareTo(MAX_PAUSE) > 0 ? MAX_PAUSE : pause.multipliedBy(2);
            loop.schedule(() -> dial(route, port, loop, handler, deadline, next).whenComplete((channel, e) -> {
                if (e == null) {
                    again.complete(channel);
                } else {
                    again.completeExceptionally(e);
                }
            }), pause.toNanos(), TimeUnit.NANOSECONDS);
            return again;
        });
    }

    private CompletableFuture<Channel> attempt(Route route, int port, EventLoop loop, ChannelHandler handler) {
        boolean tunnel = isTunnel(route.endpoint());
        @Nullable TunnelSession session = tunnel ? tunnels.session(route.agentId()).orElse(null) : null;
        if (tunnel && (session == null || !session.isActive())) {
            return CompletableFuture.failedFuture(new GatewayException(GatewayProblem.AGENT_NOT_CONNECTED,
                    "the workspace's agent " + route.agentId() + " has no tunnel to the hub now", null, RETRY_AFTER));
        }
        String key = route.workspaceId() + '/' + route.generation() + '/' + port;
        return upstream(route, port, key)
                .thenCompose(upstream -> session != null
                        ? session.openConnect(upstream.host(), upstream.port(), handler)
                        : direct(route, upstream, loop, handler))
                .handle((channel, error) -> {
                    if (error == null) {
                        return channel;
                    }
                    upstreams.remove(key);
                    throw new CompletionException(failure(route, port, unwrap(error)));
                });
    }

    private CompletableFuture<Upstream> upstream(Route route, int port, String key) {
        Cached cached = upstreams.get(key);
        if (cached != null && nanoTime.getAsLong() - cached.atNanos() < upstreamMaxAgeNanos) {
            return CompletableFuture.completedFuture(cached.upstream());
        }
        return runtimes.runtime(route.agentId(), route.endpoint())
                .upstream(WorkspaceId.of(route.workspaceId()), port)
                .timeout(connectTimeout)
                .toFuture()
                .thenApply(upstream -> {
                    upstreams.put(key, new Cached(upstream, nanoTime.getAsLong()));
                    return upstream;
                });
    }

    private CompletableFuture<Channel> direct(Route route, Upstream upstream, EventLoop loop, ChannelHandler handler) {
        InetSocketAddress target;
        try {
            target = directTarget(route.endpoint(), upstream, directNetworks);
        } catch (GatewayException e) {
            return CompletableFuture.failedFuture(e);
        }
        if (target.isUnresolved()) {
            // The bootstrap's default resolver would block the event loop on the JDK's lookup.
            String host = target.getHostString();
            int port = target.getPort();
            return CompletableFuture.supplyAsync(() -> new InetSocketAddress(host, port), ForkJoinPool.commonPool())
                    .thenCompose(resolved -> resolved.isUnresolved()
                            ? CompletableFuture.failedFuture(new GatewayException(GatewayProblem.UPSTREAM_UNAVAILABLE,
                                    "cannot resolve the agent's host " + host))
                            : connect(resolved, loop, handler));
        }
        return connect(target, loop, handler);
    }

    @SuppressWarnings("unchecked")
    private CompletableFuture<Channel> connect(InetSocketAddress target, EventLoop loop, ChannelHandler handler) {
        CompletableFuture<Channel> result = new CompletableFuture<>();
        new Bootstrap()
                .group(loop)
                .channel(TunnelTransport.socketChannel(loop))
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis()))
                .handler(handler)
                .connect(target)
                .addListener(f -> {
                    if (f.isSuccess()) {
                        result.complete(((ChannelFuture) f).channel());
                    } else {
                        result.completeExceptionally(f.cause());
                    }
                });
        return result;
    }

    /**
     * Where the hub dials a direct agent's upstream: the agent's host for a loopback or wildcard
     * answer, the answer itself when it is the agent's host, refused otherwise.
     */
    static InetSocketAddress directTarget(URI endpoint, Upstream upstream, List<IpSubnetFilterRule> networks) {
        String agentHost = bare(endpoint.getHost() == null ? "" : endpoint.getHost());
        String answered = bare(upstream.host());
        InetAddress answeredAddress = literal(answered);
        boolean local = answeredAddress != null && (answeredAddress.isLoopbackAddress() || answeredAddress.isAnyLocalAddress())
                || answered.equals("localhost");
        if (local || answered.equals(agentHost)) {
            InetAddress agentAddress = literal(agentHost);
            // A name is resolved off the event loop before the connect (see direct()).
            return agentAddress != null ? new InetSocketAddress(agentAddress, upstream.port())
                    : InetSocketAddress.createUnresolved(agentHost, upstream.port());
        }
        if (answeredAddress != null) {
            InetSocketAddress target = new InetSocketAddress(answeredAddress, upstream.port());
            if (networks.stream().anyMatch(network -> network.matches(target))) {
                return target;
            }
        }
        throw new GatewayException(GatewayProblem.UPSTREAM_UNAVAILABLE, "the agent answered upstream " + upstream.host()
                + ":" + upstream.port() + ", which is not on its own host " + agentHost + "; the gateway dials a direct "
                + "agent's host and CODEHUB_HUB_GATEWAY_DIRECT_NETWORKS only (or reach such an agent through the tunnel)");
    }

    private static boolean isTunnel(URI endpoint) {
        return TunnelClientHttpConnector.SCHEME.equalsIgnoreCase(endpoint.getScheme());
    }

    private static String bare(String host) {
        String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        return h.toLowerCase(Locale.ROOT);
    }

    private static @Nullable InetAddress literal(String host) {
        byte[] bytes = NetUtil.createByteArrayFromIpAddressString(host);
        if (bytes == null) {
            return null;
        }
        try {
            return InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            return null;
        }
    }

    private static Throwable unwrap(Throwable error) {
        Throwable e = error;
        while (e instanceof CompletionException && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }

    private static GatewayException failure(Route route, int port, Throwable error) {
        if (error instanceof GatewayException known) {
            return known;
        }
        if (error instanceof NotFoundException notFound && "port-not-exposed".equals(notFound.type().slug())) {
            return new GatewayException(GatewayProblem.PORT_NOT_EXPOSED, notFound.getMessage());
        }
        if (error instanceof NotFoundException || error instanceof ConflictException conflict
                && conflict.type() == ProblemType.INSTANCE_NOT_RUNNING) {
            return new GatewayException(GatewayProblem.WORKSPACE_NOT_RUNNING, "the agent says: " + error.getMessage(),
                    "unavailable", RETRY_AFTER);
        }
        if (error instanceof RuntimeProblemException problem && problem.type() == ProblemType.BACKEND_UNAVAILABLE) {
            // The agent could not be asked where the app is (no tunnel for a moment, a hub going away).
            return new GatewayException(GatewayProblem.UNAVAILABLE, "agent " + route.agentId()
                    + " is unavailable now: " + error.getMessage(), null, RETRY_AFTER);
        }
        if (error instanceof TunnelException tunnel) {
            // The tunnel is full (its stream limit) or going away, or the stream failed before the agent's
            // 200: either way nothing reached the app (the request is written only once the stream is up).
            return new GatewayException(GatewayProblem.UNAVAILABLE, "the tunnel to agent " + route.agentId()
                    + (tunnel.isUnprocessed() ? " takes no new stream now (" : " failed before the app answered (")
                    + error.getMessage() + ")", null, RETRY_AFTER);
        }
        if (error instanceof ConnectRefusedException refused && refused.status() == 503) {
            // The hub holding the tunnel took no new stream (the agent is leaving it): nothing reached the agent.
            return new GatewayException(GatewayProblem.UNAVAILABLE, "the hub holding agent " + route.agentId()
                    + "'s tunnel takes no new stream now (it answered 503)", null, RETRY_AFTER);
        }
        if (error instanceof ConnectRefusedException refused) {
            return new GatewayException(GatewayProblem.UPSTREAM_UNAVAILABLE, "the workspace's app on port " + port
                    + " cannot be reached through agent " + route.agentId() + " (it answered " + refused.status() + ")");
        }
        if (error instanceof TimeoutException) {
            return new GatewayException(GatewayProblem.UPSTREAM_UNAVAILABLE, "agent " + route.agentId()
                    + " did not say where the workspace's app is within the connect timeout");
        }
        return new GatewayException(GatewayProblem.UPSTREAM_UNAVAILABLE, "the workspace's app on port " + port
                + " cannot be reached: " + error.getMessage());
    }
}
