package io.codehub.hub.tunnel;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import io.codehub.hub.agents.AgentRegistry;
import io.codehub.hub.agents.AgentWithKey;
import io.codehub.hub.agents.ApiKeys;
import io.codehub.hub.agents.RegisterAgentRequest;
import io.codehub.hub.events.EventPublisher;
import io.codehub.hub.identity.HubKeyStore;
import io.codehub.hub.pki.HubPki;
import io.codehub.hub.remote.CompositeAgentConnectors;
import io.codehub.hub.remote.DirectAgentConnectors;
import io.codehub.hub.support.MutableClock;
import io.codehub.hub.support.TestDatabase;
import io.codehub.pki.CertificateAuthority;
import io.codehub.pki.InitOptions;
import io.codehub.pki.KeyType;
import io.codehub.tunnel.AuthDecision;
import io.codehub.tunnel.HandshakeProblem;
import io.codehub.tunnel.HandshakeRequest;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.scheduler.Schedulers;

/**
 * An agent holding its own credentials (API key, resumption ticket, client certificate) tries to
 * become another agent by combining them with another agent's: each mismatch between the identity
 * in the key, the ticket and the certificate is refused, and no combination is ever accepted as the
 * other agent. The session an accepted handshake opens is keyed by the decision's agent id, so the
 * session agrees by construction (TunnelServer registers it under {@code Accepted.agentId()}).
 * Complements AgentTunnelAuthenticatorTest (wrong keys, foreign/expired tickets) and MutualTlsApiTest
 * (over TLS: key of A with B's certificate for {@code api-key+mtls}, foreign CA, expired, revoked).
 */
@Timeout(60)
class AgentIdentityAttackIT {

    private static final Duration BLOCK = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    private TestDatabase database;
    private DirectAgentConnectors direct;
    private final TunnelKeyChecks keyChecks = new TunnelKeyChecks(1, 8);
    private AgentRegistry registry;
    private AgentTunnelAuthenticator authenticator;
    private CertificateAuthority ca;

    @BeforeEach
    void open() throws Exception {
        database = TestDatabase.h2(dir);
        direct = new DirectAgentConnectors(Duration.ofSeconds(1));
        MutableClock clock = new MutableClock(Instant.now());
        registry = new AgentRegistry(database.agents(), database.workspaces(), new ApiKeys(4),
                new CompositeAgentConnectors(List.of(direct, new TunnelAgentConnectors(id -> Optional.empty()))),
                database.tx(), Schedulers.boundedElastic(), Duration.ofHours(1), clock, EventPublisher.NONE);
        authenticator = new AgentTunnelAuthenticator(registry, database.agents(),
                new ResumptionTickets(HubKeyStore.loadOrCreate(Files.createDirectories(dir.resolve("hub"))),
                        Duration.ofHours(24), clock), HubPki.disabled(), keyChecks);
        ca = CertificateAuthority.init(dir.resolve("ca"), new InitOptions(KeyType.EC_P256, "CN=codehub test CA",
                Duration.ofDays(30), null));
    }

    @AfterEach
    void close() throws Exception {
        direct.close();
        keyChecks.close();
        database.close();
    }

    @Test
    void theKeysAgentIdAndSecretMustBelongTogether() throws Exception {
        AgentWithKey a = register("api-key");
        AgentWithKey b = register("api-key");
        String bSecretUnderAsId = "chk_" + a.agent().id() + "_" + secret(b);

        AuthDecision decision = decide(bSecretUnderAsId, null, List.of());

        assertThat(rejected(decision).problem()).isEqualTo(HandshakeProblem.UNAUTHORIZED);
        System.out.println("ATTACK identity key-id-with-other-secret: " + rejected(decision).problem().status());
    }

    @Test
    void aCertificateMustNameTheAgentOfTheKey() throws Exception {
        AgentWithKey a = register("api-key");
        AgentWithKey b = register("api-key");

        AuthDecision decision = decide(a.apiKey(), null, certificate(b));

        assertThat(rejected(decision).problem()).isEqualTo(HandshakeProblem.FORBIDDEN);
        assertThat(rejected(decision).detail()).contains(b.agent().id()).contains(a.agent().id());
        System.out.println("ATTACK identity key-a-certificate-b (auth api-key): " + rejected(decision).problem().status());
    }

    @Test
    void aCertificateMustNameTheAgentOfTheTicket() throws Exception {
        AgentWithKey a = register("api-key");
        AgentWithKey b = register("api-key+mtls");
        String ticketA = accepted(decide(a.apiKey(), null, List.of()), a).resumptionTicket();

        AuthDecision decision = decide(null, ticketA, certificate(b));

        assertThat(rejected(decision).problem()).isEqualTo(HandshakeProblem.FORBIDDEN);
        System.out.println("ATTACK identity ticket-a-certificate-b: " + rejected(decision).problem().status());
    }

    @Test
    void aCertificateAloneDoesNotOpenAnAgentThatNeedsItsKey() throws Exception {
        AgentWithKey b = register("api-key+mtls");

        AuthDecision decision = decide(null, null, certificate(b));

        assertThat(rejected(decision).problem()).isEqualTo(HandshakeProblem.UNAUTHORIZED);
        System.out.println("ATTACK identity certificate-b-alone (auth api-key+mtls): " + rejected(decision).problem().status());
    }

    @Test
    void aKeyMustNameTheAgentOfTheTicketBesideIt() throws Exception {
        AgentWithKey a = register("api-key");
        AgentWithKey b = register("api-key");
        String ticketB = accepted(decide(b.apiKey(), null, List.of()), b).resumptionTicket();

        // An agent sends its ticket instead of its key, never both: a pair that disagrees is refused
        // (before, the ticket alone decided and the key was ignored).
        AuthDecision decision = decide(a.apiKey(), ticketB, List.of());

        assertThat(rejected(decision).problem()).isEqualTo(HandshakeProblem.FORBIDDEN);
        assertThat(accepted(decide(b.apiKey(), ticketB, List.of()), b).agentId()).as("a pair that agrees")
                .isEqualTo(b.agent().id());
        System.out.println("ATTACK identity key-a-ticket-b: " + rejected(decision).problem().status());
    }

    @Test
    void theAcceptedAgentIsAlwaysTheOneEveryCredentialNames() throws Exception {
        AgentWithKey a = register("api-key+mtls");
        String ticketA = accepted(decide(a.apiKey(), null, certificate(a)), a).resumptionTicket();

        assertThat(accepted(decide(null, ticketA, certificate(a)), a).agentId()).isEqualTo(a.agent().id());
        assertThat(rejected(decide(a.apiKey(), null, List.of())).problem()).as("certificate missing")
                .isEqualTo(HandshakeProblem.FORBIDDEN);
    }

    private AgentWithKey register(String auth) {
        return registry.register(new RegisterAgentRequest("a", "tunnel://", "docker", 2, null, Map.of(), auth))
                .block(BLOCK);
    }

    private List<X509Certificate> certificate(AgentWithKey agent) {
        return ca.issueAgent(agent.agent().id(), Duration.ofDays(1)).chain();
    }

    /** The secret part of {@code chk_<id>_<secret>}. */
    private static String secret(AgentWithKey agent) {
        String key = agent.apiKey();
        return key.substring(("chk_" + agent.agent().id() + "_").length());
    }

    private AuthDecision decide(@Nullable String key, @Nullable String ticket, List<X509Certificate> chain)
            throws Exception {
        return authenticator.authenticate(new HandshakeRequest(key, ticket, "test/1",
                new InetSocketAddress("127.0.0.1", 40000), chain)).toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private static AuthDecision.Accepted accepted(AuthDecision decision, AgentWithKey agent) {
        assertThat(decision).isInstanceOf(AuthDecision.Accepted.class);
        AuthDecision.Accepted accepted = (AuthDecision.Accepted) decision;
        assertThat(accepted.agentId()).isEqualTo(agent.agent().id());
        return accepted;
    }

    private static AuthDecision.Rejected rejected(AuthDecision decision) {
        assertThat(decision).as(String.valueOf(decision)).isInstanceOf(AuthDecision.Rejected.class);
        return (AuthDecision.Rejected) decision;
    }
}
