package io.codehub.hub.remote;

import java.net.URI;
import java.util.List;

import org.springframework.http.client.reactive.ClientHttpConnector;

/**
 * The transports the hub reaches agents through, chosen by the scheme of an agent's endpoint.
 * {@link RemoteRuntime} sees only the {@link ClientHttpConnector}: direct HTTP(S) today; the tunnel
 * adds {@code tunnel://} here, and nothing above this interface changes.
 */
public interface AgentConnectors {

    /** Whether an agent at {@code endpoint} can be reached (its scheme is known). */
    boolean supports(URI endpoint);

    /** The schemes {@link #supports} accepts, for error messages. */
    List<String> schemes();

    /**
     * The connector that carries calls to the agent at {@code endpoint}.
     *
     * @throws IllegalArgumentException when {@link #supports} says no
     */
    ClientHttpConnector connector(URI endpoint);
}
