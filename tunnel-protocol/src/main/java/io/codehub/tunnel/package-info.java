/**
 * The codehub tunnel protocol v1 ({@code docs/tunnel-protocol.md}): an agent behind NAT dials
 * out to the hub, upgrades the connection from HTTP/1.1 to {@code codehub-tunnel/1}, and from
 * then on the hub is the HTTP/2 client and the agent the HTTP/2 server on that one connection.
 *
 * <p>Hub side: {@link io.codehub.tunnel.TunnelServer} accepts agents, authenticates them with an
 * asynchronous {@link io.codehub.tunnel.TunnelAuthenticator} and exposes each connected agent as a
 * {@link io.codehub.tunnel.TunnelSession} on which the hub opens
 * {@link io.codehub.tunnel.TunnelStream}s. Agent side: {@link io.codehub.tunnel.TunnelConnector}
 * keeps one session up with reconnects and hands every stream the hub opens to an
 * {@link io.codehub.tunnel.IncomingStreamHandlerFactory}; {@link io.codehub.tunnel.ConnectRelay}
 * serves {@code CONNECT} streams.
 *
 * <p>Everything else in this package (handlers, codecs, the session registry) is Netty plumbing:
 * package-private and final. No class here blocks an event loop.
 */
@NullMarked
package io.codehub.tunnel;

import org.jspecify.annotations.NullMarked;
