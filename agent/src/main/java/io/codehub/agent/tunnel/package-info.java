/**
 * The agent's second door: dial out to the hub ({@code CODEHUB_AGENT_HUB_URL}), serve the hub's
 * HTTP/2 streams with the same WebFlux pipeline as the direct listener, and relay {@code CONNECT}
 * streams to the upstreams of the instances this agent manages.
 */
@NullMarked
package io.codehub.agent.tunnel;

import org.jspecify.annotations.NullMarked;
