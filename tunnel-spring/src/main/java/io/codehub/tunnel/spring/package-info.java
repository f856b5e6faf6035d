/**
 * Spring's reactive HTTP client over codehub tunnels: {@link io.codehub.tunnel.spring.TunnelClientHttpConnector}
 * makes a {@code WebClient} call to {@code tunnel://<agent id>/...} one HTTP/2 stream on the agent's
 * live {@link io.codehub.tunnel.TunnelSession}, with back-pressure both ways. Code above the
 * connector cannot tell a tunnelled agent from a direct one.
 */
@NullMarked
package io.codehub.tunnel.spring;

import org.jspecify.annotations.NullMarked;
