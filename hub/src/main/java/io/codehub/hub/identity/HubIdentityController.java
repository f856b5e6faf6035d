package io.codehub.hub.identity;

import java.util.Map;

import io.codehub.hub.HubApplication;
import io.codehub.hub.apidoc.HubApiDocument;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Publishes the hub's public key: as a JWK Set for anyone ({@code /.well-known/jwks.json}, no
 * authentication: it is public by nature) and with the hub's id and version for admins.
 */
@RestController
@Tag(name = HubApiDocument.HUB)
public class HubIdentityController {

    private final HubIdentity identity;
    private final ObjectProvider<HubDrainStatus> drain;

    public HubIdentityController(HubIdentity identity, ObjectProvider<HubDrainStatus> drain) {
        this.identity = identity;
        this.drain = drain;
    }

    @GetMapping(path = "/.well-known/jwks.json", produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(operationId = "getJwks", summary = "The hub's public key as a JWK Set",
            description = "RFC 7517; the key's `kid` is the hub's id. No authentication: the key is public.")
    @ApiResponse(responseCode = "200", description = "The JWK Set.")
    public Map<String, Object> jwks() {
        return identity.publicJwks();
    }

    @GetMapping(path = "/api/v1/hub", produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(operationId = "getHubInfo", summary = "The hub's id, public key, version and whether it drains",
            description = "`publicKeyPem` is what agents verify the hub's tokens with (CODEHUB_AGENT_HUB_PUBLIC_KEY). "
                    + "`draining` is true once the hub drains (`POST /api/v1/hub/drain` or SIGTERM).")
    @ApiResponse(responseCode = "200", description = "The hub's identity.")
    public HubInfo hub() {
        HubDrainStatus status = drain.getIfAvailable();
        return new HubInfo(identity.hubId(), identity.publicKeyPem(), HubApplication.version(),
                status != null && status.draining());
    }
}
