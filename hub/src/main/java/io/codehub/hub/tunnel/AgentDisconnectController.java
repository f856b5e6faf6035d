package io.codehub.hub.tunnel;

import java.time.Duration;
import java.util.concurrent.TimeoutException;

import io.codehub.hub.agents.AgentRegistry;
import io.codehub.hub.apidoc.HubApiDocument;
import io.codehub.hub.problem.HubProblemException;
import io.codehub.hub.problem.HubProblemType;
import io.codehub.tunnel.TunnelProtocol;
import io.codehub.tunnel.TunnelSession;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;

/**
 * {@code POST /api/v1/agents/{id}/disconnect} (admin): closes the agent's tunnel session from the
 * hub's side with GOAWAY {@value TunnelProtocol#GOAWAY_CLOSED}. The agent reconnects by itself
 * after its backoff: this is a kick (to make it reconnect, e.g. elsewhere), not a ban; disabling
 * the agent, rotating its key or revoking its certificate keep it out.
 */
@RestController
@Tag(name = HubApiDocument.AGENTS)
public class AgentDisconnectController {

    private static final Logger log = LoggerFactory.getLogger(AgentDisconnectController.class);
    /** How long the answer waits for the connection to close (GOAWAY, then the codec's graceful close). */
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(10);

    private final AgentRegistry registry;
    private final LiveTunnels tunnels;

    public AgentDisconnectController(AgentRegistry registry, LiveTunnels tunnels) {
        this.registry = registry;
        this.tunnels = tunnels;
    }

    @PostMapping("/api/v1/agents/{id}/disconnect")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    @Operation(operationId = "disconnectAgent", summary = "Close an agent's tunnel session",
            description = "The hub sends GOAWAY `closed` and closes the connection (recorded as `agent.disconnected`, "
                    + "reason `closed-by-hub`); the answer comes once it is closed (or after 10 s). The agent reconnects "
                    + "after its backoff (about a second): to keep it out, disable it, rotate its key or revoke its "
                    + "certificate as well.")
    @ApiResponse(responseCode = "204", description = "The session is closed.")
    @ApiResponse(responseCode = "404", ref = HubApiDocument.AGENT_NOT_FOUND)
    @ApiResponse(responseCode = "409", ref = HubApiDocument.NO_TUNNEL_SESSION)
    public Mono<Void> disconnect(@PathVariable String id) {
        return registry.get(id).flatMap(agent -> {
            TunnelSession session = tunnels.session(agent.id()).filter(TunnelSession::isActive).orElse(null);
            if (session == null) {
                return Mono.error(new HubProblemException(HubProblemType.NO_TUNNEL_SESSION,
                        "agent '" + agent.id() + "' has no open tunnel session with this hub"));
            }
            log.info("disconnecting agent {} (session {}) at an admin's request", agent.id(), session.sessionId());
            session.close(TunnelProtocol.GOAWAY_CLOSED);
            return Mono.fromFuture(session.closeFuture()).timeout(CLOSE_WAIT)
                    .onErrorResume(TimeoutException.class, e -> Mono.empty());
        });
    }
}
