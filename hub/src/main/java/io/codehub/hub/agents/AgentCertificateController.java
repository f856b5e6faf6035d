package io.codehub.hub.agents;

import java.time.Instant;
import java.util.List;

import io.codehub.hub.apidoc.HubApiDocument;
import io.codehub.hub.events.EventPublisher;
import io.codehub.hub.events.EventType;
import io.codehub.hub.events.NewEvent;
import io.codehub.hub.pki.HubPki;
import io.codehub.hub.problem.HubProblemException;
import io.codehub.pki.IssuedRecord;
import io.codehub.pki.RevocationReason;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * {@code POST /api/v1/agents/{id}/certificate/revoke} (admin): revokes every unexpired certificate
 * issued to the agent; the tunnel package's certificate watch then closes its tunnel at once.
 */
@RestController
@Tag(name = HubApiDocument.AGENTS)
public class AgentCertificateController {

    private static final Logger log = LoggerFactory.getLogger(AgentCertificateController.class);

    private final HubPki pki;
    private final AgentRegistry registry;
    private final Scheduler blocking;
    private final EventPublisher events;

    public AgentCertificateController(HubPki pki, AgentRegistry registry, Scheduler keyHashing, EventPublisher events) {
        this.pki = pki;
        this.registry = registry;
        this.blocking = keyHashing;
        this.events = events;
    }

    /** The optional body of a revocation. */
    public record RevokeRequest(@Nullable String reason) {
    }

    /** What a revocation did. */
    public record RevokeResult(String agentId, List<RevokedCertificate> revoked, String reason) {
    }

    /** One revoked certificate. */
    public record RevokedCertificate(String serial, Instant notAfter) {
    }

    @PostMapping("/api/v1/agents/{id}/certificate/revoke")
    @Operation(operationId = "revokeAgentCertificates", summary = "Revoke an agent's certificates",
            description = "Every unexpired certificate issued to the agent; its tunnel is closed at once. The body is "
                    + "optional; `reason` is an RFC 5280 reason such as `key-compromise` (default `unspecified`).")
    @ApiResponse(responseCode = "200", description = "What was revoked.")
    @ApiResponse(responseCode = "400", ref = HubApiDocument.BAD_REQUEST)
    @ApiResponse(responseCode = "404", ref = HubApiDocument.AGENT_NOT_FOUND)
    @ApiResponse(responseCode = "409", ref = HubApiDocument.PKI_NOT_CONFIGURED)
    public Mono<RevokeResult> revoke(@PathVariable String id, @RequestBody(required = false) @Nullable RevokeRequest body) {
        RevocationReason reason;
        try {
            reason = body == null || body.reason() == null ? RevocationReason.UNSPECIFIED
                    : RevocationReason.parse(body.reason());
        } catch (IllegalArgumentException e) {
            return Mono.error(HubProblemException.invalid("reason", e.getMessage()));
        }
        return registry.get(id).then(Mono.fromCallable(() -> {
            List<IssuedRecord> revoked = pki.revokeAgent(id, reason);
            log.warn("revoked {} certificate(s) of agent {} ({})", revoked.size(), id, reason.label());
            events.publish(NewEvent.agent(EventType.AGENT_CERTIFICATE_REVOKED, id).withReason(reason.label())
                    .with("count", revoked.size())
                    .with("serials", String.join(",", revoked.stream().map(IssuedRecord::serialHex).toList())));
            return new RevokeResult(id, revoked.stream()
                    .map(r -> new RevokedCertificate(r.serialHex(), r.notAfter())).toList(), reason.label());
        }).subscribeOn(blocking));
    }
}
