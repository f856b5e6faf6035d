package io.codehub.hub.identity;

import java.util.Map;

import io.codehub.hub.HubApplication;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Publishes the hub's public key: as a JWK Set for anyone ({@code /.well-known/jwks.json}, no
 * authentication: it is public by nature) and with the hub's id and version for admins.
 */
@RestController
public class HubIdentityController {

    private final HubIdentity identity;

    public HubIdentityController(HubIdentity identity) {
        this.identity = identity;
    }

    @GetMapping(path = "/.well-known/jwks.json", produces = MediaType.APPLICATION_JSON_VALUE)
    public Map<String, Object> jwks() {
        return identity.publicJwks();
    }

    @GetMapping(path = "/api/v1/hub", produces = MediaType.APPLICATION_JSON_VALUE)
    public HubInfo hub() {
        return new HubInfo(identity.hubId(), identity.publicKeyPem(), HubApplication.version());
    }
}
