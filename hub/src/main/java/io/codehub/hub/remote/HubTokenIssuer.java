package io.codehub.hub.remote;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.jca.JCAContext;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.codehub.hub.identity.HubIdentity;
import io.codehub.pki.Es256;

/**
 * Signs the short-lived tokens the hub presents to agents: ES256 with the hub's key, {@code iss} =
 * the hub id, {@code aud} = the agent id (so agent B refuses a token for agent A), {@code exp}
 * after the configured lifetime. A token is reused until {@code renewBefore} its expiry, which
 * saves a signature per call here and a verification per call on the agent (it caches verified
 * tokens until they expire).
 *
 * <h2>Clock skew</h2>
 * Each agent's tokens are minted in that agent's time: {@code iat}, {@code nbf} and {@code exp}
 * are the hub's clock plus the agent's offset as {@link AgentClocks} last measured it (none before
 * the first measurement). A cached token is minted again when the offset has moved by more than
 * {@link #REMINT_AFTER_SHIFT} since, so a hub whose clock is minutes off an agent's still presents
 * tokens that agent accepts within its own (tight) skew allowance.
 */
public final class HubTokenIssuer {

    private static final int MAX_CACHED = 50_000;
    /** A move of an agent's measured offset past which its cached token is replaced. */
    static final Duration REMINT_AFTER_SHIFT = Duration.ofSeconds(2);

    private final HubIdentity identity;
    private final JWSSigner signer;
    private final Duration ttl;
    private final Duration renewBefore;
    private final Clock clock;
    private final AgentClocks clocks;
    private final Map<String, IssuedToken> tokens = new ConcurrentHashMap<>();

    /** A signed token, its expiry in the agent's time, and the offset it was minted with. */
    private record IssuedToken(String value, Instant expiresAt, Duration offset) {
    }

    /** An issuer that mints every token in the hub's own time (no offsets measured). */
    public HubTokenIssuer(HubIdentity identity, Duration ttl, Duration renewBefore, Clock clock) {
        this(identity, ttl, renewBefore, clock, new AgentClocks(Duration.ofSeconds(30)));
    }

    /** An issuer that mints each agent's tokens in that agent's time, as {@code clocks} measures it. */
    public HubTokenIssuer(HubIdentity identity, Duration ttl, Duration renewBefore, Clock clock, AgentClocks clocks) {
        if (renewBefore.compareTo(ttl) >= 0) {
            throw new IllegalArgumentException("renewBefore: " + renewBefore + " (expected: shorter than ttl " + ttl + ")");
        }
        try {
            this.signer = new Es256Signer(Es256.signer(identity.privateKey()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("hub key: " + e.getMessage(), e);
        }
        this.identity = identity;
        this.ttl = ttl;
        this.renewBefore = renewBefore;
        this.clock = clock;
        this.clocks = clocks;
    }

    /**
     * A valid token for {@code agentId}: the cached one, or a new one when it is close to expiry (in
     * the agent's time) or the agent's measured offset has moved.
     */
    public String tokenFor(String agentId) {
        Duration offset = clocks.offset(agentId);
        Duration shift = offset == null ? Duration.ZERO : offset;
        Instant now = clock.instant().plus(shift);
        IssuedToken current = tokens.get(agentId);
        if (current != null && now.isBefore(current.expiresAt().minus(renewBefore))
                && current.offset().minus(shift).abs().compareTo(REMINT_AFTER_SHIFT) <= 0) {
            return current.value();
        }
        IssuedToken fresh = sign(agentId, now, shift);
        if (tokens.size() >= MAX_CACHED) {
            Instant hubNow = clock.instant();
            tokens.values().removeIf(t -> !hubNow.plus(t.offset()).isBefore(t.expiresAt()));
        }
        tokens.put(agentId, fresh);
        return fresh.value();
    }

    /** Drops the cached token of {@code agentId}: the next one is minted afresh. */
    public void forget(String agentId) {
        tokens.remove(agentId);
    }

    private IssuedToken sign(String agentId, Instant now, Duration offset) {
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
        return new IssuedToken(jwt.serialize(), expiresAt, offset);
    }

    /** Nimbus's view of {@link Es256.Signer} (its own ECDSA signer goes through a JCA provider: three times slower). */
    private static final class Es256Signer implements JWSSigner {

        private final Es256.Signer es256;
        private final JCAContext jca = new JCAContext();

        Es256Signer(Es256.Signer es256) {
            this.es256 = es256;
        }

        @Override
        public Base64URL sign(JWSHeader header, byte[] signingInput) throws JOSEException {
            if (!JWSAlgorithm.ES256.equals(header.getAlgorithm())) {
                throw new JOSEException("only ES256 is signed here, not " + header.getAlgorithm());
            }
            return Base64URL.encode(es256.sign(signingInput));
        }

        @Override
        public Set<JWSAlgorithm> supportedJWSAlgorithms() {
            return Set.of(JWSAlgorithm.ES256);
        }

        @Override
        public JCAContext getJCAContext() {
            return jca;
        }
    }
}
