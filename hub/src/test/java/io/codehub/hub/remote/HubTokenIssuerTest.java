package io.codehub.hub.remote;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jwt.SignedJWT;
import io.codehub.hub.identity.HubIdentity;
import io.codehub.hub.identity.HubKeyStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HubTokenIssuerTest {

    @TempDir
    Path dir;

    private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-01-01T00:00:00Z"));
    private final Clock clock = new Clock() {
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
            return now.get();
        }
    };

    @Test
    void signsES256TokensForOneAgentWithTheHubAsIssuer() throws Exception {
        HubIdentity identity = HubKeyStore.loadOrCreate(dir);
        HubTokenIssuer issuer = new HubTokenIssuer(identity, Duration.ofMinutes(5), Duration.ofMinutes(1), clock);
        SignedJWT jwt = SignedJWT.parse(issuer.tokenFor("agent-a"));
        assertThat(jwt.getHeader().getAlgorithm()).isEqualTo(JWSAlgorithm.ES256);
        assertThat(jwt.getHeader().getKeyID()).isEqualTo(identity.hubId());
        assertThat(jwt.verify(new ECDSAVerifier(identity.publicKey()))).isTrue();
        assertThat(jwt.getJWTClaimsSet().getAudience()).containsExactly("agent-a");
        assertThat(jwt.getJWTClaimsSet().getIssuer()).isEqualTo(identity.hubId());
        assertThat(jwt.getJWTClaimsSet().getExpirationTime().toInstant()).isEqualTo(now.get().plus(Duration.ofMinutes(5)));
    }

    @Test
    void reusesATokenUntilShortlyBeforeItExpires() throws Exception {
        HubTokenIssuer issuer = new HubTokenIssuer(HubKeyStore.loadOrCreate(dir), Duration.ofMinutes(5),
                Duration.ofMinutes(1), clock);
        String first = issuer.tokenFor("agent-a");
        assertThat(issuer.tokenFor("agent-b")).isNotEqualTo(first);
        now.set(now.get().plus(Duration.ofMinutes(3)).plusSeconds(59));
        assertThat(issuer.tokenFor("agent-a")).isEqualTo(first);
        now.set(now.get().plusSeconds(1)); // 4 minutes in: within a minute of expiry
        String renewed = issuer.tokenFor("agent-a");
        assertThat(renewed).isNotEqualTo(first);
        assertThat(SignedJWT.parse(renewed).getJWTClaimsSet().getExpirationTime().toInstant())
                .isEqualTo(now.get().plus(Duration.ofMinutes(5)));
    }
}
