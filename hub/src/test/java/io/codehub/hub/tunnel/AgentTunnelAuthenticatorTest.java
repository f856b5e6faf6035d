package io.codehub.hub.tunnel;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import io.codehub.hub.agents.AgentRegistry;
import io.codehub.hub.agents.AgentWithKey;
import io.codehub.hub.agents.ApiKeys;
import io.codehub.hub.agents.RegisterAgentRequest;
import io.codehub.hub.agents.UpdateAgentRequest;
import io.codehub.hub.events.EventPublisher;
import io.codehub.hub.identity.HubIdentity;
import io.codehub.hub.identity.HubKeyStore;
import io.codehub.hub.pki.HubPki;
import io.codehub.hub.remote.CompositeAgentConnectors;
import io.codehub.hub.remote.DirectAgentConnectors;
import io.codehub.hub.support.MutableClock;
import io.codehub.hub.support.TestDatabase;
import io.codehub.tunnel.AuthDecision;
import io.codehub.tunnel.HandshakeProblem;
import io.codehub.tunnel.HandshakeRequest;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.scheduler.Schedulers;

/**
 * Tunnel authentication on the embedded database: API key (bcrypt) gives a ticket, a ticket is
 * accepted without bcrypt, rotation and deletion invalidate tickets, only active-or-error
 * {@code tunnel://} agents get in.
 */
class AgentTunnelAuthenticatorTest {

    private static final Duration BLOCK = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    private TestDatabase database;
    private DirectAgentConnectors direct;
    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private AgentRegistry registry;
    private HubIdentity identity;
    private AgentTunnelAuthenticator authenticator;
    private final TunnelKeyChecks keyChecks = new TunnelKeyChecks(2, 8);

    @BeforeEach
    void open() throws Exception {
        database = TestDatabase.h2(dir);
        direct = new DirectAgentConnectors(Duration.ofSeconds(1));
        registry = new AgentRegistry(database.agents(), database.workspaces(), new ApiKeys(4),
                new CompositeAgentConnectors(List.of(direct, new TunnelAgentConnectors(id -> Optional.empty()))),
                database.tx(), Schedulers.boundedElastic(), Duration.ofHours(1), clock, EventPublisher.NONE);
        identity = HubKeyStore.loadOrCreate(Files.createDirectories(dir.resolve("hub")));
        authenticator = new AgentTunnelAuthenticator(registry, database.agents(),
                new ResumptionTickets(identity, Duration.ofHours(24), clock), HubPki.disabled(), keyChecks);
    }

    @AfterEach
    void close() throws Exception {
        keyChecks.close();
        direct.close();
        database.close();
    }

    @Test
    void theApiKeyIsCheckedOnceAndATicketServesReconnects() throws Exception {
        AgentWithKey agent = register("tunnel://");
        assertThat(agent.agent().endpoint()).isEqualTo("tunnel://" + agent.agent().id());

        AuthDecision.Accepted first = accepted(decide(agent.apiKey(), null));
        assertThat(first.agentId()).isEqualTo(agent.agent().id());
        assertThat(first.resumptionTicket()).isNotBlank();
        assertThat(authenticator.keyChecks()).isEqualTo(1);

        AuthDecision.Accepted resumed = accepted(decide(null, first.resumptionTicket()));
        AuthDecision.Accepted again = accepted(decide(null, resumed.resumptionTicket()));
        assertThat(again.agentId()).isEqualTo(agent.agent().id());
        assertThat(authenticator.keyChecks()).as("no bcrypt for tickets").isEqualTo(1);
    }

    @Test
    void aRotatedKeyInvalidatesTicketsButTheOldKeyWorksDuringTheGracePeriod() throws Exception {
        AgentWithKey agent = register("tunnel://");
        String ticket = accepted(decide(agent.apiKey(), null)).resumptionTicket();

        String rotated = registry.rotateKey(agent.agent().id()).block(BLOCK).apiKey();

        assertThat(rejected(decide(null, ticket)).problem()).isEqualTo(HandshakeProblem.UNAUTHORIZED);
        AuthDecision.Accepted withPreviousKey = accepted(decide(agent.apiKey(), null));
        assertThat(withPreviousKey.agentId()).as("grace period").isEqualTo(agent.agent().id());
        assertThat(withPreviousKey.resumptionTicket()).as("no ticket outliving the previous key").isNull();
        String fresh = accepted(decide(rotated, null)).resumptionTicket();
        assertThat(accepted(decide(null, fresh)).agentId()).isEqualTo(agent.agent().id());
    }

    @Test
    void expiredForeignAndOrphanedTicketsAreRefused() throws Exception {
        AgentWithKey agent = register("tunnel://");
        String ticket = accepted(decide(agent.apiKey(), null)).resumptionTicket();
        HubIdentity otherHub = HubKeyStore.loadOrCreate(Files.createDirectories(dir.resolve("other-hub")));
        String foreign = new ResumptionTickets(otherHub, Duration.ofHours(24), clock)
                .issue(database.agents().findById(agent.agent().id()).block(BLOCK));

        assertThat(rejected(decide(null, foreign)).problem()).isEqualTo(HandshakeProblem.UNAUTHORIZED);
        assertThat(rejected(decide(null, "not.a.ticket")).problem()).isEqualTo(HandshakeProblem.UNAUTHORIZED);

        clock.advance(Duration.ofHours(25));
        assertThat(rejected(decide(null, ticket)).problem()).as("expired").isEqualTo(HandshakeProblem.UNAUTHORIZED);

        String current = accepted(decide(agent.apiKey(), null)).resumptionTicket();
        registry.delete(agent.agent().id()).block(BLOCK);
        assertThat(rejected(decide(null, current)).problem()).as("deleted agent").isEqualTo(HandshakeProblem.UNAUTHORIZED);
    }

    @Test
    void ticketsAreMacedOnlyThisHubsKeyMakesThemAndTheyOutliveARestart() throws Exception {
        AgentWithKey agent = register("tunnel://");
        String ticket = accepted(decide(agent.apiKey(), null)).resumptionTicket();
        SignedJWT parsed = SignedJWT.parse(ticket);
        assertThat(parsed.getHeader().getAlgorithm()).isEqualTo(JWSAlgorithm.HS256);

        // The hub restarted: the same key from its data directory, so the same ticket secret.
        ResumptionTickets restarted = new ResumptionTickets(HubKeyStore.loadOrCreate(dir.resolve("hub")),
                Duration.ofHours(24), clock);
        assertThat(restarted.verify(ticket)).map(ResumptionTickets.Claims::agentId).contains(agent.agent().id());

        // The same claims signed with the hub's own ES256 key (what tickets were before), with
        // "alg":"none", or with a changed subject: none is a ticket.
        SignedJWT es256 = new SignedJWT(new JWSHeader(JWSAlgorithm.ES256), parsed.getJWTClaimsSet());
        es256.sign(new ECDSASigner(identity.privateKey()));
        assertThat(rejected(decide(null, es256.serialize())).problem()).isEqualTo(HandshakeProblem.UNAUTHORIZED);
        String none = new PlainJWT(parsed.getJWTClaimsSet()).serialize();
        assertThat(rejected(decide(null, none)).problem()).isEqualTo(HandshakeProblem.UNAUTHORIZED);
        String[] parts = ticket.split("\\.");
        String otherSubject = Base64.getUrlEncoder().withoutPadding().encodeToString(new JWTClaimsSet.Builder(
                parsed.getJWTClaimsSet()).subject("someone-else").build().toString().getBytes(StandardCharsets.UTF_8));
        assertThat(rejected(decide(null, parts[0] + "." + otherSubject + "." + parts[2])).problem())
                .isEqualTo(HandshakeProblem.UNAUTHORIZED);
    }

    @Test
    void wrongOrUnknownKeysAre401() throws Exception {
        AgentWithKey agent = register("tunnel://");
        String wrongSecret = "chk_" + agent.agent().id() + "_" + "A".repeat(43);

        assertThat(rejected(decide(wrongSecret, null)).problem()).isEqualTo(HandshakeProblem.UNAUTHORIZED);
        assertThat(rejected(decide("chk_nobody_" + "A".repeat(43), null)).problem()).isEqualTo(HandshakeProblem.UNAUTHORIZED);
        assertThat(rejected(decide("garbage", null)).detail()).doesNotContain("garbage");
    }

    @Test
    void directAndInactiveAgentsAre403() throws Exception {
        AgentWithKey direct = register("http://127.0.0.1:9");
        assertThat(rejected(decide(direct.apiKey(), null))).satisfies(r -> {
            assertThat(r.problem()).isEqualTo(HandshakeProblem.FORBIDDEN);
            assertThat(r.detail()).contains("tunnel://");
        });

        AgentWithKey tunnelled = register("tunnel://");
        String ticket = accepted(decide(tunnelled.apiKey(), null)).resumptionTicket();
        registry.update(tunnelled.agent().id(), new UpdateAgentRequest(null, null, null, null, "inactive", null)).block(BLOCK);
        assertThat(rejected(decide(tunnelled.apiKey(), null)).problem()).isEqualTo(HandshakeProblem.FORBIDDEN);
        assertThat(rejected(decide(null, ticket)).problem()).isEqualTo(HandshakeProblem.FORBIDDEN);
    }

    @Test
    void aTunnelEndpointIsAlwaysTheAgentsOwn() {
        AgentWithKey agent = register("TUNNEL://");
        assertThat(agent.agent().endpoint()).isEqualTo("tunnel://" + agent.agent().id());
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> register("tunnel://someone-else"))
                .hasMessageContaining("tunnel://");
        assertThat(registry.update(agent.agent().id(), new UpdateAgentRequest("http://127.0.0.1:9", null, null, null, null, null))
                .block(BLOCK).endpoint()).hasToString("http://127.0.0.1:9");
        assertThat(registry.update(agent.agent().id(), new UpdateAgentRequest("tunnel://", null, null, null, null, null))
                .block(BLOCK).endpoint()).hasToString("tunnel://" + agent.agent().id());
    }

    private AgentWithKey register(String endpoint) {
        return registry.register(new RegisterAgentRequest("a", endpoint, "docker", 2, null, Map.of(), null)).block(BLOCK);
    }

    private AuthDecision decide(@Nullable String key, @Nullable String ticket) throws Exception {
        return authenticator.authenticate(new HandshakeRequest(key, ticket, "test/1",
                new InetSocketAddress("127.0.0.1", 40000), List.of())).toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private static AuthDecision.Accepted accepted(AuthDecision decision) {
        assertThat(decision).isInstanceOf(AuthDecision.Accepted.class);
        return (AuthDecision.Accepted) decision;
    }

    private static AuthDecision.Rejected rejected(AuthDecision decision) {
        assertThat(decision).isInstanceOf(AuthDecision.Rejected.class);
        return (AuthDecision.Rejected) decision;
    }
}
