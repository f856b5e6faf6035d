package io.codehub.hub.tunnel;

import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

import io.codehub.hub.agents.Agent;
import io.codehub.hub.agents.AgentAuth;
import io.codehub.hub.agents.AgentRegistry;
import io.codehub.hub.agents.AgentRepository;
import io.codehub.hub.agents.AgentStatus;
import io.codehub.hub.events.EventPublisher;
import io.codehub.hub.events.EventType;
import io.codehub.hub.events.NewEvent;
import io.codehub.hub.pki.HubPki;
import io.codehub.pki.AgentIdentity;
import io.codehub.pki.CsrRejectedException;
import io.codehub.pki.Csrs;
import io.codehub.pki.Pem;
import io.codehub.pki.Serials;
import io.codehub.runtime.ProblemType;
import io.codehub.tunnel.HandshakeProblem;
import io.codehub.tunnel.TunnelEndpoint;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * {@code POST /v1/certificate} on the tunnel port (TLS only): an agent sends a PKCS#10 CSR (PEM,
 * {@value #MAX_CSR_BYTES} bytes at most) whose key it generated itself, and gets its certificate
 * chain back ({@code application/pem-certificate-chain}), valid for
 * {@code CODEHUB_HUB_PKI_AGENT_CERTIFICATE_VALIDITY}.
 *
 * <h2>Who may</h2>
 * The caller authenticates with its API key ({@code Authorization: Bearer}, bcrypt off the event
 * loop), with its current, unrevoked client certificate (renewal), or both, which must then name
 * the same agent. An agent whose {@code auth} is {@code mtls} renews only with its certificate: a
 * leaked API key must not buy a certificate for it. The CSR must name exactly the authenticated
 * agent. Refusals are problem+json: 400 unreadable CSR, 401 wrong or missing credential, 403 CSR
 * for another agent, inactive agent, revoked certificate, or a key where a certificate is required.
 */
public final class CertificateEnrolment implements TunnelEndpoint {

    /** The path on the tunnel port. */
    public static final String PATH = "/v1/certificate";
    /** Largest CSR accepted. */
    public static final int MAX_CSR_BYTES = Csrs.MAX_CSR_BYTES;
    static final String CHAIN_MEDIA_TYPE = "application/pem-certificate-chain";

    private static final Logger log = LoggerFactory.getLogger(CertificateEnrolment.class);

    private final HubPki pki;
    private final AgentRegistry registry;
    private final AgentRepository agents;
    private final Scheduler blocking;
    private final EventPublisher events;
    private final TunnelKeyChecks budget;

    /**
     * @param blocking where the CA's file writes run
     * @param events   where {@code agent.certificate-issued} goes
     * @param budget   where API keys are checked (bcrypt), and how many at once
     */
    public CertificateEnrolment(HubPki pki, AgentRegistry registry, AgentRepository agents, Scheduler blocking,
            EventPublisher events, TunnelKeyChecks budget) {
        this.pki = pki;
        this.registry = registry;
        this.agents = agents;
        this.blocking = blocking;
        this.events = events;
        this.budget = budget;
    }

    @Override
    public CompletionStage<Response> handle(Request request) {
        return answer(request)
                .onErrorResume(e -> {
                    log.error("certificate enrolment from {} failed", request.remoteAddress(), e);
                    return Mono.just(Response.problem(ProblemType.INTERNAL,
                            "the hub could not sign the certificate; see its log"));
                })
                .toFuture();
    }

    private Mono<Response> answer(Request request) {
        if (request.body().length == 0) {
            return Mono.just(malformed("the body must be a PEM certificate request "
                    + "(Content-Type: application/pkcs10)"));
        }
        String requested;
        try {
            requested = Csrs.requestedAgentId(request.body());
        } catch (CsrRejectedException e) {
            return Mono.just(malformed("unusable certificate request: " + e.getMessage()));
        }
        X509Certificate leaf = request.peerCertificates().isEmpty() ? null : request.peerCertificates().get(0);
        String certificateAgent = null;
        if (leaf != null) {
            Optional<String> named = AgentIdentity.agentId(leaf);
            if (named.isEmpty()) {
                return Mono.just(forbidden("the client certificate names no agent"));
            }
            if (pki.isRevoked(leaf)) {
                return Mono.just(forbidden("the client certificate (serial "
                        + Serials.hex(leaf) + ") is revoked"));
            }
            certificateAgent = named.get();
        }
        String key = request.bearerToken();
        String byCertificate = certificateAgent;
        Mono<Authenticated> caller;
        if (key != null) {
            // The key check and what follows it hold a slot of the port's bcrypt budget.
            return budget.run(checking -> registry.match(key, checking)
                    .map(match -> new Authenticated(match.agent(), true, byCertificate))
                    .flatMap(who -> decide(who, requested, request))
                    .defaultIfEmpty(unauthorized("unknown agent or wrong API key")), CertificateEnrolment::busy);
        } else if (certificateAgent != null) {
            caller = agents.findById(certificateAgent).map(agent -> new Authenticated(agent, false, byCertificate));
        } else {
            return Mono.just(unauthorized("present the API key (Authorization: Bearer) or the current client certificate"));
        }
        return caller.flatMap(who -> decide(who, requested, request))
                .defaultIfEmpty(unauthorized("unknown agent or wrong API key"));
    }

    private record Authenticated(Agent agent, boolean byKey, @Nullable String certificateAgent) {
    }

    private Mono<Response> decide(Authenticated who, String requested, Request request) {
        Agent agent = who.agent();
        if (who.certificateAgent() != null && !who.certificateAgent().equals(agent.id())) {
            return Mono.just(forbidden("the client certificate is agent " + who.certificateAgent()
                    + "'s, the API key agent " + agent.id() + "'s"));
        }
        if (agent.status() == AgentStatus.INACTIVE) {
            return Mono.just(forbidden("agent " + agent.id() + " is inactive"));
        }
        if (agent.auth() == AgentAuth.MTLS && who.certificateAgent() == null) {
            return Mono.just(forbidden("agent " + agent.id() + " authenticates with mtls only: renew "
                    + "with its current certificate, or issue one out of band (bin/codehub pki issue agent)"));
        }
        if (!requested.equals(agent.id())) {
            return Mono.just(forbidden("the certificate request names agent " + requested
                    + ", but the credential is agent " + agent.id() + "'s"));
        }
        boolean renewal = who.certificateAgent() != null;
        return Mono.fromCallable(() -> pki.ca().sign(request.body(), agent.id(), pki.agentValidity()))
                .subscribeOn(blocking)
                .map(chain -> {
                    X509Certificate issued = chain.get(0);
                    log.info("{} certificate {} for agent {} from {}, valid until {}", renewal ? "renewed" : "issued",
                            Serials.hex(issued), agent.id(),
                            request.remoteAddress(), issued.getNotAfter().toInstant());
                    events.publish(NewEvent.agent(EventType.AGENT_CERTIFICATE_ISSUED, agent.id())
                            .with("serial", Serials.hex(issued)).with("notAfter", issued.getNotAfter().toInstant())
                            .with("renewal", renewal));
                    return Response.ok(CHAIN_MEDIA_TYPE, Pem.encode(chain).getBytes(StandardCharsets.US_ASCII));
                })
                .onErrorResume(CsrRejectedException.class, e -> Mono.just(malformed(
                        "certificate request refused: " + e.getMessage())));
    }

    private static Response unauthorized(String detail) {
        return Response.problem(ProblemType.UNAUTHORIZED, detail);
    }

    private static Response forbidden(String detail) {
        return Response.problem(ProblemType.FORBIDDEN, detail);
    }

    private static Response busy(Duration retryAfter) {
        Response problem = Response.problem(HandshakeProblem.UNAVAILABLE, "too many API key checks in progress; "
                + "retry later");
        return new Response(problem.status(), problem.contentType(), problem.body(), retryAfter, false);
    }

    private static Response malformed(String detail) {
        return Response.problem(ProblemType.MALFORMED_REQUEST, detail);
    }
}
