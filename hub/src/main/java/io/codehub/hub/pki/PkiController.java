package io.codehub.hub.pki;

import io.codehub.hub.apidoc.HubApiDocument;
import io.codehub.pki.Pem;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
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
@Tag(name = HubApiDocument.PKI)
public class PkiController {

    private static final String PEM = "application/x-pem-file";

    private final HubPki pki;
    private final Scheduler blocking;

    public PkiController(HubPki pki, Scheduler keyHashing) {
        this.pki = pki;
        this.blocking = keyHashing;
    }

    @GetMapping(path = "/pki/ca.pem", produces = PEM)
    @Operation(operationId = "getCaBundle", summary = "The CA's trust bundle",
            description = "The CA certificates agents and clients trust, PEM. No authentication.")
    @ApiResponse(responseCode = "200", description = "The trust bundle.",
            content = @Content(mediaType = PEM, schema = @Schema(type = "string")))
    @ApiResponse(responseCode = "409", ref = HubApiDocument.PKI_NOT_CONFIGURED)
    public Mono<String> ca() {
        return Mono.fromCallable(() -> Pem.encode(pki.trustAnchors())).subscribeOn(blocking);
    }

    @GetMapping(path = "/pki/crl.pem", produces = PEM)
    @Operation(operationId = "getCrl", summary = "The CA's certificate revocation lists",
            description = "Signed CRLs, PEM. No authentication.")
    @ApiResponse(responseCode = "200", description = "The CRLs.",
            content = @Content(mediaType = PEM, schema = @Schema(type = "string")))
    @ApiResponse(responseCode = "409", ref = HubApiDocument.PKI_NOT_CONFIGURED)
    public Mono<String> crl() {
        return Mono.fromCallable(() -> pki.ca().revocationList().pem()).subscribeOn(blocking);
    }
}
