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

    @Test
    void mintsEachAgentsTokensInThatAgentsTimeAndAgainWhenItsOffsetMoves() throws Exception {
        AgentClocks clocks = new AgentClocks(Duration.ofSeconds(30));
        HubTokenIssuer issuer = new HubTokenIssuer(HubKeyStore.loadOrCreate(dir), Duration.ofMinutes(5),
                Duration.ofMinutes(1), clock, clocks);
        String unmeasured = issuer.tokenFor("agent-a");
        assertThat(SignedJWT.parse(unmeasured).getJWTClaimsSet().getNotBeforeTime().toInstant()).isEqualTo(now.get());

        clocks.recordOneWay("agent-a", Duration.ofMinutes(-5), now.get().toEpochMilli()); // its clock lags by 5 min
        String behind = issuer.tokenFor("agent-a");
        assertThat(behind).as("the offset moved: minted again").isNotEqualTo(unmeasured);
        var claims = SignedJWT.parse(behind).getJWTClaimsSet();
        Instant agentNow = now.get().minus(Duration.ofMinutes(5));
        assertThat(claims.getIssueTime().toInstant()).isEqualTo(agentNow);
        assertThat(claims.getNotBeforeTime().toInstant()).isEqualTo(agentNow);
        assertThat(claims.getExpirationTime().toInstant()).isEqualTo(agentNow.plus(Duration.ofMinutes(5)));
        assertThat(SignedJWT.parse(issuer.tokenFor("agent-b")).getJWTClaimsSet().getNotBeforeTime().toInstant())
                .as("another agent's tokens are in the hub's time").isEqualTo(now.get());

        clocks.recordOneWay("agent-a", Duration.ofMinutes(-5).plus(HubTokenIssuer.REMINT_AFTER_SHIFT), 0);
        assertThat(issuer.tokenFor("agent-a")).as("a move within the tolerance keeps the token").isEqualTo(behind);
        clocks.recordOneWay("agent-a", Duration.ofMinutes(-5).plusSeconds(3), 0);
        assertThat(issuer.tokenFor("agent-a")).isNotEqualTo(behind);

        // renewal is judged in the agent's time: with the agent 5 minutes ahead, a token it
        // holds is reused for 4 of its minutes, as with no offset
        clocks.recordOneWay("agent-c", Duration.ofMinutes(5), 0);
        String ahead = issuer.tokenFor("agent-c");
        now.set(now.get().plus(Duration.ofMinutes(3)).plusSeconds(59));
        assertThat(issuer.tokenFor("agent-c")).isEqualTo(ahead);
        now.set(now.get().plusSeconds(1));
        String renewed = issuer.tokenFor("agent-c");
        assertThat(renewed).isNotEqualTo(ahead);
        issuer.forget("agent-c");
        assertThat(issuer.tokenFor("agent-c")).as("forgotten: minted afresh").isNotEqualTo(renewed);
    }
}
