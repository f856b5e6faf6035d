package io.codehub.hub.tunnel;

import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;

import io.codehub.hub.agents.Agent;
import io.codehub.hub.agents.AgentRegistry;
import io.codehub.hub.agents.AgentRepository;
import io.codehub.hub.agents.AgentStatus;
import io.codehub.tunnel.AuthDecision;
import io.codehub.tunnel.HandshakeRequest;
import io.codehub.tunnel.TunnelAuthenticator;
import io.codehub.tunnel.spring.TunnelClientHttpConnector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * Who may open a tunnel: an agent registered with a {@code tunnel://} endpoint and not
 * {@code inactive}, presenting its API key or a resumption ticket this hub issued.
 *
 * <h2>Cost</h2>
 * An API key is checked with {@link AgentRegistry#authenticate} (bcrypt, on the registry's hashing
 * scheduler, never on the event loop that calls this); a ticket costs one ECDSA verification and
 * one row read, no bcrypt. Every accepted handshake gets a fresh ticket, so an agent that keeps its
 * ticket pays bcrypt at most once per hub start: {@link #keyChecks()} counts the key checks.
 *
 * <h2>Answers</h2>
 * Unknown agent, wrong key, or a ticket that is forged, expired or issued for a key that has since
 * been rotated: 401 (the agent then retries with its key). Known agent that may not use the tunnel
 * (direct endpoint, inactive): 403. Details never contain the credential.
 */
public final class AgentTunnelAuthenticator implements TunnelAuthenticator {

    private static final Logger log = LoggerFactory.getLogger(AgentTunnelAuthenticator.class);

    private final AgentRegistry registry;
    private final AgentRepository agents;
    private final ResumptionTickets tickets;
    private final Scheduler verifying;
    private final AtomicLong keyChecks = new AtomicLong();

    /**
     * @param registry  checks API keys
     * @param agents    reads an agent's row for a ticket
     * @param tickets   issues and verifies tickets
     * @param verifying where ticket signatures are verified (off the event loop)
     */
    public AgentTunnelAuthenticator(AgentRegistry registry, AgentRepository agents, ResumptionTickets tickets,
            Scheduler verifying) {
        this.registry = registry;
        this.agents = agents;
        this.tickets = tickets;
        this.verifying = verifying;
    }

    @Override
    public CompletionStage<AuthDecision> authenticate(HandshakeRequest request) {
        String ticket = request.resumptionTicket();
        String apiKey = request.apiKey();
        Mono<AuthDecision> decision;
        if (ticket != null) {
            decision = byTicket(ticket);
        } else if (apiKey != null) {
            decision = byKey(apiKey);
        } else {
            decision = Mono.just(AuthDecision.reject(401, "an API key or a resumption ticket is required", null));
        }
        return decision.doOnNext(d -> {
            if (d instanceof AuthDecision.Rejected rejected) {
                log.info("tunnel handshake from {} refused: {} {}", request.remoteAddress(),
                        rejected.problem(), rejected.detail());
            }
        }).toFuture();
    }

    /** API keys checked (each a bcrypt verification when the key names a known agent). */
    public long keyChecks() {
        return keyChecks.get();
    }

    private Mono<AuthDecision> byKey(String apiKey) {
        return Mono.defer(() -> {
            keyChecks.incrementAndGet();
            return registry.match(apiKey);
        })
                // A ticket carries the current key's fingerprint: one for the previous key would
                // outlive its grace period, so that key is checked again on every connect.
                .map(match -> admit(match.agent(), match.currentKey()))
                .defaultIfEmpty(AuthDecision.reject(401, "unknown agent or wrong API key", null));
    }

    private Mono<AuthDecision> byTicket(String ticket) {
        return Mono.fromCallable(() -> tickets.verify(ticket)).subscribeOn(verifying)
                .flatMap(claims -> claims.isEmpty()
                        ? Mono.just(AuthDecision.reject(401, "the resumption ticket is not valid; present the API key", null))
                        : agents.findById(claims.get().agentId())
                                .publishOn(verifying)
                                .map(agent -> ResumptionTickets.matchesKey(claims.get(), agent)
                                        ? admit(agent, true)
                                        : AuthDecision.reject(401, "the resumption ticket was issued for a key that has "
                                                + "been replaced; present the API key", null))
                                .defaultIfEmpty(AuthDecision.reject(401, "the resumption ticket names an unknown agent", null)));
    }

    private AuthDecision admit(Agent agent, boolean issueTicket) {
        if (!TunnelClientHttpConnector.SCHEME.equalsIgnoreCase(agent.endpoint().getScheme())) {
            return AuthDecision.reject(403, "agent " + agent.id() + " is registered with endpoint " + agent.endpoint()
                    + "; set its endpoint to tunnel:// to let it connect through the tunnel", null);
        }
        if (agent.status() == AgentStatus.INACTIVE) {
            return AuthDecision.reject(403, "agent " + agent.id() + " is inactive", null);
        }
        return AuthDecision.accept(agent.id(), issueTicket ? tickets.issue(agent) : null);
    }
}
