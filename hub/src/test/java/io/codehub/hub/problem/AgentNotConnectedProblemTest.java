package io.codehub.hub.problem;

import static org.assertj.core.api.Assertions.assertThat;

import io.codehub.runtime.BackendUnavailableException;
import io.codehub.tunnel.spring.AgentNotConnectedException;
import io.codehub.web.Problem;
import org.junit.jupiter.api.Test;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.web.reactive.function.client.WebClientRequestException;

/** A call that reached a tunnelled agent without a session is served as 503 agent-not-connected. */
class AgentNotConnectedProblemTest {

    @Test
    void aMissingTunnelSessionIsA503AgentNotConnected() {
        AgentNotConnectedException root = new AgentNotConnectedException("a-1");
        // As RemoteRuntime reports it: the connector's failure, wrapped by WebClient, translated once.
        Throwable failure = new BackendUnavailableException("agent a-1 at tunnel://a-1 cannot be reached (GET /health)",
                new WebClientRequestException(root,
                        org.springframework.http.HttpMethod.GET, java.net.URI.create("tunnel://a-1/health"),
                        new org.springframework.http.HttpHeaders()), true);

        Problem problem = new HubProblemMapper().toProblem(
                MockServerWebExchange.from(MockServerHttpRequest.get("/api/v1/anything")), failure);

        assertThat(problem).isNotNull();
        assertThat(problem.status()).isEqualTo(503);
        assertThat(problem.type()).hasToString("urn:codehub:problem:agent-not-connected");
        assertThat(problem.detail()).startsWith("agent a-1 is not connected to this hub's tunnel");
    }
}
