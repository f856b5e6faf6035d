package io.codehub.agent.auth;

import java.security.interfaces.ECPublicKey;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.codehub.base.Checks;
import io.codehub.pki.Es256;

/**
 * Verifies the bearer tokens the hub signs for this agent: a JWS with {@code alg=ES256} signed by
 * the hub's key, {@code aud} containing this agent's id, an {@code exp} in the future and no
 * {@code nbf} in the future, each within the configured clock skew.
 *
 * <h2>Cache</h2>
 * An ECDSA verification costs a fraction of a millisecond ({@link Es256}: about 80 µs);
 * the hub reuses a token until it nearly expires, so a verified token is remembered until its
 * {@code exp}. The cache is bounded: when full, expired entries are dropped, and if none are, the
 * whole cache is (the next calls just verify again).
 */
public final class HubTokenVerifier {

    private final Es256.Verifier verifier;
    private final String agentId;
    private final Duration clockSkew;
    private final int maxTokenLength;
    private final int cacheSize;
    private final Clock clock;
    private final Map<String, Instant> verified = new ConcurrentHashMap<>();

    public HubTokenVerifier(ECPublicKey hubKey, String agentId, Duration clockSkew, int maxTokenLength, int cacheSize,
            Clock clock) {
        try {
            this.verifier = Es256.verifier(hubKey);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("hub public key: " + e.getMessage(), e);
        }
        if (maxTokenLength < 64) {
            throw new IllegalArgumentException("maxTokenLength: " + maxTokenLength + " (expected: >= 64)");
        }
        this.agentId = agentId;
        this.clockSkew = Checks.notNegative("clockSkew", clockSkew);
        this.maxTokenLength = maxTokenLength;
        this.cacheSize = Checks.notNegative("cacheSize", cacheSize);
        this.clock = clock;
    }

    /** Accepts {@code token} or says why not. */
    public void verify(String token) throws TokenRejectedException {
        Instant now = clock.instant();
        Instant cachedExpiry = verified.get(token);
        if (cachedExpiry != null) {
            if (now.isBefore(cachedExpiry.plus(clockSkew))) {
                return;
            }
            verified.remove(token);
            throw new TokenRejectedException("token expired at " + cachedExpiry);
        }
        Instant expiry = verifyUncached(token, now);
        remember(token, expiry, now);
    }

    private Instant verifyUncached(String token, Instant now) throws TokenRejectedException {
        if (token.length() > maxTokenLength) {
            throw new TokenRejectedException("token is " + token.length() + " characters (limit " + maxTokenLength + ")");
        }
        SignedJWT jwt;
        JWTClaimsSet claims;
        try {
            jwt = SignedJWT.parse(token);
            claims = jwt.getJWTClaimsSet();
        } catch (ParseException e) {
            throw new TokenRejectedException("token is not a signed JWT");
        }
        if (!JWSAlgorithm.ES256.equals(jwt.getHeader().getAlgorithm())) {
            throw new TokenRejectedException("token algorithm " + jwt.getHeader().getAlgorithm() + " (expected: ES256)");
        }
        Set<String> critical = jwt.getHeader().getCriticalParams();
        if (critical != null && !critical.isEmpty()) {
            // RFC 7515 §4.1.11: a recipient that does not understand a critical header must refuse the token.
            throw new TokenRejectedException("token has critical header parameters " + critical + " (none is understood)");
        }
        if (!verifier.verify(jwt.getSigningInput(), jwt.getSignature().decode())) {
            throw new TokenRejectedException("token signature is not the hub's");
        }
        if (claims.getAudience() == null || !claims.getAudience().contains(agentId)) {
            throw new TokenRejectedException("token audience " + claims.getAudience() + " does not include this agent ("
                    + agentId + ")");
        }
        Date exp = claims.getExpirationTime();
        if (exp == null) {
            throw new TokenRejectedException("token has no expiry (exp)");
        }
        Instant expiry = exp.toInstant();
        if (!now.isBefore(expiry.plus(clockSkew))) {
            throw new TokenRejectedException("token expired at " + expiry);
        }
        Date nbf = claims.getNotBeforeTime();
        if (nbf != null && now.plus(clockSkew).isBefore(nbf.toInstant())) {
            throw new TokenRejectedException("token not valid before " + nbf.toInstant());
        }
        return expiry;
    }

    private void remember(String token, Instant expiry, Instant now) {
        if (cacheSize == 0) {
            return;
        }
        if (verified.size() >= cacheSize) {
            verified.values().removeIf(e -> !now.isBefore(e.plus(clockSkew)));
            if (verified.size() >= cacheSize) {
                verified.clear();
            }
        }
        verified.put(token, expiry);
    }

    /** How many verified tokens are remembered (for tests and metrics). */
    int cachedTokens() {
        return verified.size();
    }
}
