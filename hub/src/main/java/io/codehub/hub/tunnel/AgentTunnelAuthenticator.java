package io.codehub.hub.tunnel;

import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

import io.codehub.hub.agents.Agent;
import io.codehub.hub.agents.AgentLookups;
import io.codehub.hub.agents.AgentRegistry;
import io.codehub.hub.agents.AgentRepository;
import io.codehub.hub.agents.AgentStatus;
import io.codehub.hub.agents.ApiKeys;
import io.codehub.hub.pki.HubPki;
import io.codehub.pki.AgentIdentity;
import io.codehub.pki.Serials;
import io.codehub.tunnel.AuthDecision;
import io.codehub.tunnel.HandshakeProblem;
import io.codehub.tunnel.HandshakeRequest;
import io.codehub.tunnel.TunnelAuthenticator;
import io.codehub.tunnel.spring.TunnelClientHttpConnector;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

/**
 * Who may open a tunnel: an agent registered with a {@code tunnel://} endpoint and not
 * {@code inactive}, presenting what its {@code auth} asks for: its API key or a resumption ticket
 * this hub issued ({@code api-key}), a client certificate from the hub's CA naming it
 * ({@code mtls}), or both ({@code api-key+mtls}).
 *
 * <h2>Certificates</h2>
 * The TLS stack has checked the chain against the CA and the validity period; here the agent id
 * comes from the URI SAN ({@code spiffe://codehub/agent/<id>}), a revoked certificate is refused,
 * and a certificate of one agent presented with another agent's key is refused.
 *
 * <h2>Cost</h2>
 * An API key is checked with {@link AgentRegistry#authenticate} (bcrypt, on the registry's hashing
 * scheduler, never on the event loop that calls this); a ticket costs one HMAC and
 * its agent's row, no bcrypt. Rows are read in batches ({@link AgentLookups}): a fleet reconnecting
 * at once shares a statement among hundreds of handshakes. Key checks share the port's {@link TunnelKeyChecks} budget (a few
 * threads, a short queue, 503 with Retry-After beyond it). Every accepted handshake gets a fresh ticket, so an agent that keeps its
 * ticket pays bcrypt at most once per hub start: {@link #keyChecks()} counts the key checks.
 *
 * <h2>Answers</h2>
 * Unknown agent, wrong key, or a ticket that is forged, expired or issued for a key that has since
 * been rotated: 401 (the agent then retries with its key). Known agent that may not use the tunnel
 * (direct endpoint, inactive, missing or revoked certificate, certificate of another agent): 403.
 * Details never contain the credential.
 */
public final class AgentTunnelAuthenticator implements TunnelAuthenticator {

    private static final Logger log = LoggerFactory.getLogger(AgentTunnelAuthenticator.class);
    private static final Duration NOT_ADMITTING_RETRY = Duration.ofSeconds(1);

    private final AgentRegistry registry;
    private final AgentLookups agents;
    private final ResumptionTickets tickets;
    private final HubPki pki;
    private final TunnelKeyChecks budget;
    private final AtomicLong keyChecks = new AtomicLong();
    private volatile @Nullable AuthFailures failures;
    private volatile BooleanSupplier admitting = () -> true;

    /**
     * @param registry  checks API keys
     * @param agents    where the agents' rows are read from
     * @param tickets   issues and verifies tickets (an HMAC each: cheap enough for the calling thread)
     * @param pki       says which certificates are revoked
     * @param budget    where API keys are checked (bcrypt), and how many at once
     */
    public AgentTunnelAuthenticator(AgentRegistry registry, AgentRepository agents, ResumptionTickets tickets,
            HubPki pki, TunnelKeyChecks budget) {
        this.registry = registry;
        this.agents = new AgentLookups(agents);
        this.tickets = tickets;
        this.pki = pki;
        this.budget = budget;
    }

    @Override
    public CompletionStage<AuthDecision> authenticate(HandshakeRequest request) {
        if (!admitting.getAsBoolean()) {
            // Before any credential is looked at: costs no bcrypt, and the agent tries again (elsewhere).
            return CompletableFuture.completedFuture(AuthDecision.reject(503,
                    "this hub holds no lease in the database now; connect to another hub", NOT_ADMITTING_RETRY));
        }
        String ticket = request.resumptionTicket();
        String apiKey = request.apiKey();
        Mono<AuthDecision> decision;
        String certificateAgent = null;
        String refusal = null;
        if (!request.peerCertificates().isEmpty()) {
            X509Certificate leaf = request.peerCertificates().get(0);
            certificateAgent = AgentIdentity.agentId(leaf).orElse(null);
            if (certificateAgent == null) {
                refusal = "the client certificate names no agent (expected a URI SAN " + AgentIdentity.URI_PREFIX
                        + "<agent id>)";
            } else if (pki.isRevoked(leaf)) {
                refusal = "the client certificate of agent " + certificateAgent + " (serial "
                        + Serials.hex(leaf) + ") is revoked";
            }
        }
        if (refusal != null) {
            decision = Mono.just(AuthDecision.reject(403, refusal, null));
        } else if (ticket != null) {
            decision = byTicket(ticket, certificateAgent,
                    apiKey == null ? null : ApiKeys.parse(apiKey).map(ApiKeys.Presented::agentId).orElse(""));
        } else if (apiKey != null) {
            decision = byKey(apiKey, certificateAgent);
        } else if (certificateAgent != null) {
            decision = byCertificate(certificateAgent);
        } else {
            decision = Mono.just(AuthDecision.reject(401, "an API key, a resumption ticket or a client certificate "
                    + "is required", null));
        }
        String claimed = certificateAgent != null ? certificateAgent
                : apiKey == null ? null : ApiKeys.parse(apiKey).map(ApiKeys.Presented::agentId).orElse(null);
        return decision.doOnNext(d -> {
            if (d instanceof AuthDecision.Rejected rejected) {
                log.info("tunnel handshake from {} refused: {} {}", request.remoteAddress(),
                        rejected.problem(), rejected.detail());
                AuthFailures report = failures;
                if (report != null && claimed != null && (rejected.problem() == HandshakeProblem.UNAUTHORIZED
                        || rejected.problem() == HandshakeProblem.FORBIDDEN)) {
                    report.refused(claimed, rejected.problem().status(), rejected.detail());
                }
            }
        }).toFuture();
    }

    /**
     * Among many hubs: admits agents only while {@code gate} says so (the hub holds its lease);
     * otherwise answers 503 with a short Retry-After. Set before the port starts.
     */
    public void admitOnlyWhile(BooleanSupplier gate) {
        admitting = gate;
    }

    /** Reports refused handshakes that name an agent to {@code value} (its history); set before the port starts. */
    void reportRefusals(AuthFailures value) {
        failures = value;
    }

    /** API keys checked (each a bcrypt verification when the key names a known agent). */
    public long keyChecks() {
        return keyChecks.get();
    }

    private Mono<AuthDecision> byCertificate(String agentId) {
        return agents.find(agentId)
                .map(agent -> admit(agent, false, agentId))
                .defaultIfEmpty(AuthDecision.reject(403, "the client certificate names agent " + agentId
                        + ", which is not registered", null));
    }

    /**
     * The agent's row is read first, holding no slot of the bcrypt budget (a busy database must not
     * fill it with checks that use no thread: thousands of agents connecting at once would be
     * refused while its threads idle); then bcrypt runs within the budget.
     */
    private Mono<AuthDecision> byKey(String apiKey, @Nullable String certificateAgent) {
        Duration busy = budget.refusal();
        if (busy != null) {
            return Mono.just(busy(busy));
        }
        return Mono.justOrEmpty(ApiKeys.parse(apiKey)).flatMap(key -> agents.find(key.agentId()))
                .flatMap(agent -> budget.run(checking -> budget.timed(() -> {
                    keyChecks.incrementAndGet();
                    return registry.verify(agent, apiKey);
                })
                        // A ticket carries the current key's fingerprint: one for the previous key would
                        // outlive its grace period, so that key is checked again on every connect.
                        .map(match -> admit(match.agent(), true, certificateAgent, match.currentKey()))
                        .defaultIfEmpty(AuthDecision.reject(401, "unknown agent or wrong API key", null)),
                        AgentTunnelAuthenticator::busy))
                .defaultIfEmpty(AuthDecision.reject(401, "unknown agent or wrong API key", null));
    }

    /**
     * @param keyAgent the agent an API key presented beside the ticket names ("" for a key that
     *                 names none), or null without one: it must be the ticket's agent (an agent
     *                 sends its ticket instead of its key, so a pair that disagrees is an attempt to
     *                 mix identities)
     */
    private Mono<AuthDecision> byTicket(String ticket, @Nullable String certificateAgent, @Nullable String keyAgent) {
        return Mono.fromCallable(() -> tickets.verify(ticket))
                .flatMap(claims -> claims.isEmpty()
                        ? Mono.just(AuthDecision.reject(401, "the resumption ticket is not valid; present the API key", null))
                        : keyAgent != null && !keyAgent.equals(claims.get().agentId())
                        ? Mono.just(AuthDecision.reject(403, "the API key is not agent " + claims.get().agentId()
                                + "'s, whose resumption ticket came with it", null))
                        : agents.find(claims.get().agentId())
                                .map(agent -> ResumptionTickets.matchesKey(claims.get(), agent)
                                        ? admit(agent, true, certificateAgent, true)
                                        : AuthDecision.reject(401, "the resumption ticket was issued for a key that has "
                                                + "been replaced; present the API key", null))
                                .defaultIfEmpty(AuthDecision.reject(401, "the resumption ticket names an unknown agent", null)));
    }

    private static AuthDecision busy(Duration retryAfter) {
        return AuthDecision.reject(503, "too many API key checks in progress; retry later", retryAfter);
    }

    private AuthDecision admit(Agent agent, boolean keyPresented, String certificateAgent) {
        return admit(agent, keyPresented, certificateAgent, false);
    }

    private AuthDecision admit(Agent agent, boolean keyPresented, @Nullable String certificateAgent,
            boolean issueTicket) {
        if (certificateAgent != null && !certificateAgent.equals(agent.id())) {
            return AuthDecision.reject(403, "the client certificate is agent " + certificateAgent
                    + "'s, the key or ticket agent " + agent.id() + "'s", null);
        }
        if (agent.auth().needsCertificate() && certificateAgent == null) {
            return AuthDecision.reject(403, "agent " + agent.id() + " (auth " + agent.auth().wire()
                    + ") must present its client certificate", null);
        }
        if (agent.auth().needsKey() && !keyPresented) {
            return AuthDecision.reject(401, "agent " + agent.id() + " (auth " + agent.auth().wire()
                    + ") must present its API key", null);
        }
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
