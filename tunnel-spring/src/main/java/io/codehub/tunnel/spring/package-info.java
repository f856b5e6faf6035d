/**
 * Spring's reactive HTTP client over codehub tunnels: {@link io.codehub.tunnel.spring.TunnelClientHttpConnector}
 * makes a {@code WebClient} call to {@code tunnel://<agent id>/...} one HTTP/2 stream on the agent's
 * live {@link io.codehub.tunnel.TunnelSession}, its bodies carried by the tunnel's one reactive
 * bridge ({@link io.codehub.tunnel.reactive}), with back-pressure both ways. Code above the
 * connector cannot tell a tunnelled agent from a direct one; its failures are transport failures
 * (typed tunnel exceptions, {@link io.codehub.runtime.UnprocessedRequestException} for calls the
 * agent never processed) that {@code RemoteRuntime} translates.
 */
@NullMarked
package io.codehub.tunnel.spring;

import org.jspecify.annotations.NullMarked;
