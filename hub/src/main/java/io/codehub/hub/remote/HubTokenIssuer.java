package io.codehub.hub.remote;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.codehub.hub.identity.HubIdentity;

/**
 * Signs the short-lived tokens the hub presents to agents: ES256 with the hub's key, {@code iss} =
 * the hub id, {@code aud} = the agent id (so agent B refuses a token for agent A), {@code exp}
 * after the configured lifetime. A token is reused until {@code renewBefore} its expiry, which
 * saves a signature per call here and a verification per call on the agent (it caches verified
 * tokens until they expire).
 */
public final class HubTokenIssuer {

    private static final int MAX_CACHED = 10_000;

    private final HubIdentity identity;
    private final ECDSASigner signer;
    private final Duration ttl;
    private final Duration renewBefore;
    private final Clock clock;
    private final Map<String, IssuedToken> tokens = new ConcurrentHashMap<>();

    private record IssuedToken(String value, Instant expiresAt) {
    }

    public HubTokenIssuer(HubIdentity identity, Duration ttl, Duration renewBefore, Clock clock) {
        if (renewBefore.compareTo(ttl) >= 0) {
            throw new IllegalArgumentException("renewBefore: " + renewBefore + " (expected: shorter than ttl " + ttl + ")");
        }
        try {
            this.signer = new ECDSASigner(identity.privateKey());
        } catch (JOSEException e) {
            throw new IllegalArgumentException("hub key: " + e.getMessage(), e);
        }
        this.identity = identity;
        this.ttl = ttl;
        this.renewBefore = renewBefore;
        this.clock = clock;
    }

    /** A valid token for {@code agentId}: the cached one, or a new one when it is close to expiry. */
    public String tokenFor(String agentId) {
        Instant now = clock.instant();
        IssuedToken current = tokens.get(agentId);
        if (current != null && now.isBefore(current.expiresAt().minus(renewBefore))) {
            return current.value();
        }
        IssuedToken fresh = sign(agentId, now);
        if (tokens.size() >= MAX_CACHED) {
            tokens.values().removeIf(t -> !now.isBefore(t.expiresAt()));
        }
        tokens.put(agentId, fresh);
        return fresh.value();
    }

    private IssuedToken sign(String agentId, Instant now) {
        Instant expiresAt = now.plus(ttl);
        JWTClaimsSet claims = new JWTClaimsSet.Builder()
                .issuer(identity.hubId())
                .audience(List.of(agentId))
                .issueTime(Date.from(now))
                .notBeforeTime(Date.from(now))
                .expirationTime(Date.from(expiresAt))
                .jwtID(UUID.randomUUID().toString())
                .build();
        JWSHeader header = new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(identity.hubId()).type(JOSEObjectType.JWT).build();
        SignedJWT jwt = new SignedJWT(header, claims);
        try {
            jwt.sign(signer);
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot sign a token for agent " + agentId + ": " + e.getMessage(), e);
        }
        return new IssuedToken(jwt.serialize(), expiresAt);
    }
}
