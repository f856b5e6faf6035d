package io.codehub.hub.tunnel;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.codehub.hub.agents.Agent;
import io.codehub.hub.identity.HubIdentity;

/**
 * The hub-signed resumption tickets of the tunnel handshake: a JWS (HS256) with
 * {@code sub} = agent id, {@code aud} = {@value #AUDIENCE}, {@code iss} = hub id, {@code exp}, and
 * {@code khf}, a fingerprint of the agent's current key hash. A valid ticket lets an agent
 * reconnect without a bcrypt check; rotating or deleting its key changes or removes the hash, which
 * invalidates every ticket issued before. Only the hub that issued a ticket checks it, so it is
 * MACed, not signed: with a secret derived from the hub's key ({@link HubIdentity#secret}), which
 * persists, so tickets survive a hub restart. An HMAC costs microseconds where an ES256 signature
 * and its verification cost about two milliseconds of a core on the JDK: a whole fleet reconnecting
 * after a restart presents and receives 10,000 tickets at once.
 */
public final class ResumptionTickets {

    /** The audience of every ticket: nothing else the hub signs is accepted as one. */
    public static final String AUDIENCE = "codehub-tunnel-ticket";

    private static final String KEY_FINGERPRINT = "khf";
    /** Derives the MAC key from the hub's key: another purpose gets another key. */
    static final String SECRET_PURPOSE = "tunnel resumption tickets v1";

    private final HubIdentity identity;
    private final MACSigner signer;
    private final MACVerifier verifier;
    private final Duration ttl;
    private final Clock clock;

    /** What a valid ticket says. */
    public record Claims(String agentId, String keyFingerprint, Instant expiresAt) {
    }

    public ResumptionTickets(HubIdentity identity, Duration ttl, Clock clock) {
        try {
            byte[] secret = identity.secret(SECRET_PURPOSE);
            this.signer = new MACSigner(secret);
            this.verifier = new MACVerifier(secret);
        } catch (JOSEException e) {
            throw new IllegalArgumentException("hub key: " + e.getMessage(), e);
        }
        this.identity = identity;
        this.ttl = ttl;
        this.clock = clock;
    }

    /** A ticket for {@code agent}, bound to its current key. */
    public String issue(Agent agent) {
        Instant now = clock.instant();
        JWTClaimsSet claims = new JWTClaimsSet.Builder()
                .issuer(identity.hubId())
                .subject(agent.id())
                .audience(List.of(AUDIENCE))
                .issueTime(Date.from(now))
                .expirationTime(Date.from(now.plus(ttl)))
                .jwtID(UUID.randomUUID().toString())
                .claim(KEY_FINGERPRINT, fingerprint(agent.apiKeyHash()))
                .build();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID(identity.hubId())
                .type(JOSEObjectType.JWT).build(), claims);
        try {
            jwt.sign(signer);
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot sign a resumption ticket for agent " + agent.id() + ": "
                    + e.getMessage(), e);
        }
        return jwt.serialize();
    }

    /** The claims of {@code ticket} when this hub signed it and it has not expired; empty otherwise. */
    public Optional<Claims> verify(String ticket) {
        try {
            SignedJWT jwt = SignedJWT.parse(ticket);
            if (!JWSAlgorithm.HS256.equals(jwt.getHeader().getAlgorithm()) || !jwt.verify(verifier)) {
                return Optional.empty();
            }
            JWTClaimsSet claims = jwt.getJWTClaimsSet();
            Date exp = claims.getExpirationTime();
            Object fingerprint = claims.getClaim(KEY_FINGERPRINT);
            if (!identity.hubId().equals(claims.getIssuer()) || claims.getAudience() == null
                    || !claims.getAudience().equals(List.of(AUDIENCE)) || claims.getSubject() == null
                    || exp == null || !clock.instant().isBefore(exp.toInstant())
                    || !(fingerprint instanceof String khf)) {
                return Optional.empty();
            }
            return Optional.of(new Claims(claims.getSubject(), khf, exp.toInstant()));
        } catch (ParseException | JOSEException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** Whether {@code claims} were issued for {@code agent}'s current key. */
    public static boolean matchesKey(Claims claims, Agent agent) {
        return claims.agentId().equals(agent.id()) && MessageDigest.isEqual(
                claims.keyFingerprint().getBytes(StandardCharsets.US_ASCII),
                fingerprint(agent.apiKeyHash()).getBytes(StandardCharsets.US_ASCII));
    }

    static String fingerprint(String apiKeyHash) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(apiKeyHash.getBytes(StandardCharsets.UTF_8));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(java.util.Arrays.copyOf(digest, 16));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }
}
