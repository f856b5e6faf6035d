package io.codehub.agent.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.Date;
import java.util.Set;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import io.codehub.agent.TestHubKeys;
import org.junit.jupiter.api.Test;

class HubTokenVerifierTest {

    private static final Instant NOW = Instant.parse("2026-11-25T12:00:00Z");
    private final TestHubKeys hub = TestHubKeys.generate();
    private final MutableClock clock = new MutableClock(NOW);
    private final HubTokenVerifier verifier = new HubTokenVerifier(hub.publicKey(), "agent-a", Duration.ofSeconds(30),
            8192, 100, clock);

    @Test
    void acceptsAValidToken() {
        assertThatCode(() -> verifier.verify(hub.token("agent-a", NOW.plusSeconds(60)))).doesNotThrowAnyException();
    }

    @Test
    void acceptsATokenExpiredWithinTheClockSkew() {
        assertThatCode(() -> verifier.verify(hub.token("agent-a", NOW.minusSeconds(29)))).doesNotThrowAnyException();
    }

    @Test
    void refusesATokenExpiredBeyondTheClockSkew() {
        assertThatThrownBy(() -> verifier.verify(hub.token("agent-a", NOW.minusSeconds(31))))
                .isInstanceOf(TokenRejectedException.class).hasMessageContaining("expired");
    }

    @Test
    void refusesATokenForAnotherAgent() {
        assertThatThrownBy(() -> verifier.verify(hub.token("agent-b", NOW.plusSeconds(60))))
                .isInstanceOf(TokenRejectedException.class).hasMessageContaining("audience");
    }

    @Test
    void refusesATokenSignedByAnotherKey() {
        String forged = TestHubKeys.generate().token("agent-a", NOW.plusSeconds(60));
        assertThatThrownBy(() -> verifier.verify(forged))
                .isInstanceOf(TokenRejectedException.class).hasMessageContaining("signature");
    }

    @Test
    void refusesATokenWithoutExpiry() {
        String token = hub.sign(new JWTClaimsSet.Builder().audience("agent-a").build());
        assertThatThrownBy(() -> verifier.verify(token)).hasMessageContaining("no expiry");
    }

    @Test
    void refusesATokenNotYetValid() {
        String token = hub.sign(new JWTClaimsSet.Builder().audience("agent-a")
                .expirationTime(Date.from(NOW.plusSeconds(600))).notBeforeTime(Date.from(NOW.plusSeconds(120))).build());
        assertThatThrownBy(() -> verifier.verify(token)).hasMessageContaining("not valid before");
    }

    @Test
    void refusesOtherAlgorithmsAndUnsignedTokens() throws Exception {
        JWTClaimsSet claims = new JWTClaimsSet.Builder().audience("agent-a")
                .expirationTime(Date.from(NOW.plusSeconds(60))).build();
        SignedJWT hmac = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
        hmac.sign(new MACSigner(new byte[32]));
        assertThatThrownBy(() -> verifier.verify(hmac.serialize())).hasMessageContaining("algorithm HS256");
        assertThatThrownBy(() -> verifier.verify(new PlainJWT(claims).serialize())).hasMessageContaining("not a signed JWT");
    }

    @Test
    void refusesATokenWithACriticalHeaderItDoesNotUnderstandAndATamperedSignature() {
        JWTClaimsSet claims = new JWTClaimsSet.Builder().audience("agent-a")
                .expirationTime(Date.from(NOW.plusSeconds(60))).build();
        String critical = hub.sign(new JWSHeader.Builder(JWSAlgorithm.ES256).criticalParams(Set.of("exp-ext"))
                .customParam("exp-ext", true).build(), claims);
        assertThatThrownBy(() -> verifier.verify(critical)).hasMessageContaining("critical header");

        String token = hub.token("agent-a", NOW.plusSeconds(60));
        int signatureStart = token.lastIndexOf('.') + 1;
        char flipped = token.charAt(signatureStart) == 'A' ? 'B' : 'A';
        String tampered = token.substring(0, signatureStart) + flipped + token.substring(signatureStart + 1);
        assertThatThrownBy(() -> verifier.verify(tampered)).hasMessageContaining("not the hub's");
        String truncated = token.substring(0, token.length() - 4);
        assertThatThrownBy(() -> verifier.verify(truncated)).isInstanceOf(TokenRejectedException.class);
    }

    @Test
    void refusesGarbageAndOversizedTokens() {
        assertThatThrownBy(() -> verifier.verify("not-a-jwt")).hasMessageContaining("not a signed JWT");
        String huge = Base64.getUrlEncoder().encodeToString(new byte[9000]);
        assertThatThrownBy(() -> verifier.verify(huge)).hasMessageContaining("limit 8192");
    }

    @Test
    void cachesVerifiedTokensUntilTheyExpire() throws Exception {
        String token = hub.token("agent-a", NOW.plusSeconds(60));
        verifier.verify(token);
        verifier.verify(token);
        assertThat(verifier.cachedTokens()).isEqualTo(1);
        clock.advance(Duration.ofSeconds(91));
        assertThatThrownBy(() -> verifier.verify(token)).hasMessageContaining("expired");
        assertThat(verifier.cachedTokens()).isZero();
    }

    @Test
    void theCacheStaysBounded() throws Exception {
        for (int i = 0; i < 250; i++) {
            verifier.verify(hub.token("agent-a", NOW.plusSeconds(60 + i)));
        }
        assertThat(verifier.cachedTokens()).isLessThanOrEqualTo(100);
    }

    static final class MutableClock extends Clock {
        private Instant now;

        MutableClock(Instant now) {
            this.now = now;
        }

        void advance(Duration by) {
            now = now.plus(by);
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    /**
     * A token as the hub mints it (iat = nbf = its now, exp 5 minutes later) by a hub whose clock is
     * off this agent's: refused beyond the 30 s skew in either direction, accepted once minted with
     * the offset the hub measured (the agent's clock minus its own).
     */
    @Test
    void aTokenFromAHubFiveMinutesOffIsRefusedUnlessMintedWithTheMeasuredOffset() {
        Duration ttl = Duration.ofMinutes(5);
        Instant hubAhead = NOW.plus(Duration.ofMinutes(5));
        assertThatThrownBy(() -> verifier.verify(hubToken(hubAhead, ttl)))
                .isInstanceOf(TokenRejectedException.class).hasMessageStartingWith("token not valid before");
        Instant hubBehind = NOW.minus(Duration.ofMinutes(5)).minusSeconds(31);
        assertThatThrownBy(() -> verifier.verify(hubToken(hubBehind, ttl)))
                .isInstanceOf(TokenRejectedException.class).hasMessageStartingWith("token expired");
        Duration measuredAhead = Duration.between(hubAhead, NOW); // -5 min, as the hub measures it
        Duration measuredBehind = Duration.between(hubBehind, NOW);
        assertThatCode(() -> verifier.verify(hubToken(hubAhead.plus(measuredAhead), ttl))).doesNotThrowAnyException();
        assertThatCode(() -> verifier.verify(hubToken(hubBehind.plus(measuredBehind), ttl))).doesNotThrowAnyException();
    }

    private String hubToken(Instant issuedAt, Duration ttl) {
        return hub.sign(new JWTClaimsSet.Builder().audience("agent-a").issuer("hub").issueTime(Date.from(issuedAt))
                .notBeforeTime(Date.from(issuedAt)).expirationTime(Date.from(issuedAt.plus(ttl))).build());
    }
}
