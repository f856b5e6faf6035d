package io.codehub.hub.pki;

import java.util.List;

import io.codehub.hub.agents.AgentRegistry;
import io.codehub.hub.problem.HubProblemException;
import io.codehub.pki.IssuedRecord;
import io.codehub.pki.Pem;
import io.codehub.pki.RevocationReason;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * The CA's public face: {@code GET /pki/ca.pem} (the trust bundle) and {@code GET /pki/crl.pem}
 * (the signed CRLs), both without authentication, and
 * {@code POST /api/v1/agents/{id}/certificate/revoke} (admin) which revokes every unexpired
 * certificate issued to the agent and closes its tunnel at once.
 */
@RestController
public class PkiController {

    private static final Logger log = LoggerFactory.getLogger(PkiController.class);

    private final HubPki pki;
    private final AgentRegistry registry;
    private final Scheduler blocking;

    public PkiController(HubPki pki, AgentRegistry registry, Scheduler keyHashing) {
        this.pki = pki;
        this.registry = registry;
        this.blocking = keyHashing;
    }

    @GetMapping(path = "/pki/ca.pem", produces = "application/x-pem-file")
    public Mono<String> ca() {
        return Mono.fromCallable(() -> Pem.encode(pki.trustAnchors())).subscribeOn(blocking);
    }

    @GetMapping(path = "/pki/crl.pem", produces = "application/x-pem-file")
    public Mono<String> crl() {
        return Mono.fromCallable(() -> pki.ca().revocationList().pem()).subscribeOn(blocking);
    }

    /** The optional body of a revocation. */
    public record RevokeRequest(@Nullable String reason) {
    }

    /** What a revocation did. */
    public record RevokeResult(String agentId, List<RevokedCertificate> revoked, String reason) {
    }

    /** One revoked certificate. */
    public record RevokedCertificate(String serial, java.time.Instant notAfter) {
    }

    @PostMapping("/api/v1/agents/{id}/certificate/revoke")
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
            return new RevokeResult(id, revoked.stream()
                    .map(r -> new RevokedCertificate(r.serialHex(), r.notAfter())).toList(), reason.label());
        }).subscribeOn(blocking));
    }
}
