package io.codehub.tunnel;

import java.net.InetSocketAddress;

import io.netty.handler.codec.http2.Http2Headers;

/**
 * Owner side of the hub-to-hub relay: decides, from a relayed stream's request HEADERS, which local
 * {@link TunnelSession} the stream goes to, or refuses it. The hub reads its addressing and
 * authorization headers ({@value RelayServer#HEADER_PREFIX}{@code *}, e.g.
 * {@value RelayServer#AGENT_HEADER} and {@value RelayServer#AUTHORIZATION_HEADER}); the relay strips
 * every such header before the stream goes on to the agent.
 *
 * <h2>Rules</h2>
 * Called on the relay connection's event loop once per stream, before any byte goes to an agent:
 * it must not block (look sessions up in memory, check a token's signature, never a database).
 * Only this hub's own sessions may be returned: the owner executes and never forwards again (a
 * {@link RelayClient} view as target is refused with {@link RelayProblem#LOOP}). A handler that
 * throws gets the stream refused with {@link RelayProblem#INTERNAL_ERROR}.
 */
@FunctionalInterface
public interface RelayHandler {

    /**
     * @param requestHeaders the stream's request HEADERS as the forwarder sent them, relay headers
     *     included; not to be modified
     * @param peer the forwarding hub's address (the TCP peer of the relay connection)
     */
    RelayDecision decide(Http2Headers requestHeaders, InetSocketAddress peer);
}
