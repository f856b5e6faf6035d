package io.codehub.hub.pki;

import io.codehub.pki.Pem;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * The CA's public face: {@code GET /pki/ca.pem} (the trust bundle) and {@code GET /pki/crl.pem}
 * (the signed CRLs), both without authentication. Revoking an agent's certificates is the agents
 * API's ({@code AgentCertificateController}).
 */
@RestController
public class PkiController {

    private final HubPki pki;
    private final Scheduler blocking;

    public PkiController(HubPki pki, Scheduler keyHashing) {
        this.pki = pki;
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
}
