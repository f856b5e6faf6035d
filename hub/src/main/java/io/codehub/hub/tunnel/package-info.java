/**
 * The hub side of the tunnel: the tunnel port's lifecycle, agent authentication (API key, then
 * hub-signed resumption tickets), and the {@code ClientHttpConnector} that carries
 * {@code RemoteRuntime}'s calls to {@code tunnel://} agents as HTTP/2 streams of their session.
 */
@NullMarked
package io.codehub.hub.tunnel;

import org.jspecify.annotations.NullMarked;
