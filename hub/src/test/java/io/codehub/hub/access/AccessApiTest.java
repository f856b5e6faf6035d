package io.codehub.hub.access;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.codehub.hub.HubApplication;
import io.codehub.hub.access.AccessCodes.Redeemed;
import io.codehub.hub.access.GatewaySessions.Outcome;
import io.codehub.hub.access.GatewaySessions.Verified;
import io.codehub.hub.support.InMemoryAgentsConfiguration;
import io.codehub.hub.support.TestHttp;
import io.codehub.hub.workspaces.Workspace;
import io.codehub.hub.workspaces.WorkspaceRepository;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;
import tools.jackson.databind.JsonNode;

/**
 * {@code POST /api/v1/workspaces/{id}/access} over real HTTP on the embedded database (and on
 * PostgreSQL in {@link AccessApiPostgresIT}): the answer's shape, the link's code redeemed as the
 * gateway will, owners, and the problem+json of every refusal. A stand-in {@link GatewayAddress}
 * says the gateway listens on {@value #GATEWAY_PORT}.
 */
@SpringBootTest(classes = {HubApplication.class, InMemoryAgentsConfiguration.class, AccessApiTest.Gateway.class},
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@Timeout(120)
class AccessApiTest {

    static final String ADMIN_TOKEN = "access-admin-token-0123456789";
    static final int GATEWAY_PORT = 18443;
    static final String BUSYBOX = "codehub/busybox:local";

    @TempDir
    static Path dataDir;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("codehub.hub.data-dir", () -> dataDir.toString());
        registry.add("codehub.admin.token", () -> ADMIN_TOKEN);
        registry.add("codehub.hub.api-keys.bcrypt-cost", () -> "4");
        registry.add("codehub.hub.health.interval", () -> "1h");
        registry.add("codehub.hub.gateway.port", () -> "0");
        registry.add("codehub.hub.gateway.max-session-ttl", () -> "7d");
    }

    /** The gateway's address as the gateway will provide it. */
    @TestConfiguration(proxyBeanMethods = false)
    static class Gateway {

        @Bean
        @Primary
        GatewayAddress testGatewayAddress() {
            return () -> GATEWAY_PORT;
        }
    }

    @LocalServerPort
    int port;
    @Autowired
    GatewaySessions sessions;
    @Autowired
    AccessCodes codes;
    @Autowired
    WorkspaceRepository workspaces;

    WebTestClient http;
    String agent;

    @BeforeEach
    void setUp() {
        http = TestHttp.to("http://127.0.0.1:" + port).responseTimeout(Duration.ofSeconds(30))
                .defaultHeader(HttpHeaders.AUTHORIZATION, "Bearer " + ADMIN_TOKEN).build();
        agent = http.post().uri("/api/v1/agents").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("name", "access-agent", "endpoint", "http://127.0.0.1:18081", "type", "docker",
                        "capacity", 100))
                .exchange().expectStatus().isCreated()
                .expectBody(JsonNode.class).returnResult().getResponseBody().get("agent").get("id").asString();
        // pending until the in-memory agent answers its first health check (within a second)
        await().atMost(Duration.ofSeconds(30)).until(() -> "active".equals(http.get().uri("/api/v1/agents/" + agent)
                .exchange().expectBody(JsonNode.class).returnResult().getResponseBody().get("status").asString()));
    }

    // ---- grants ---------------------------------------------------------------------------------

    @Test
    void theOwnerGetsALinkAndATokenByDefault() {
        JsonNode created = create("alice@example.com");
        String id = created.get("id").asString();
        assertThat(created.get("owner").asString()).isEqualTo("alice@example.com");
        assertThat(get(id).get("owner").asString()).isEqualTo("alice@example.com");

        Instant before = Instant.now();
        WebTestClient.ResponseSpec response = http.post().uri("/api/v1/workspaces/{id}/access", id).exchange();
        JsonNode grant = response.expectStatus().isOk()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_JSON)
                .expectHeader().valueMatches(HttpHeaders.CACHE_CONTROL, ".*no-store.*")
                .expectBody(JsonNode.class).returnResult().getResponseBody();
        assertThat(grant.propertyNames()).containsExactlyInAnyOrder("url", "token", "expiresAt");
        String url = grant.get("url").asString();
        assertThat(url).matches("http://" + id + "\\.apps\\.localhost:" + GATEWAY_PORT
                + "/\\.codehub/access\\?code=[A-Za-z0-9_-]{43}");
        Instant expiresAt = Instant.parse(grant.get("expiresAt").asString());
        assertThat(expiresAt).isCloseTo(before.plus(Duration.ofHours(8)), within(5, ChronoUnit.SECONDS));

        Workspace workspace = workspaces.findById(id).block(Duration.ofSeconds(10));
        Verified verified = sessions.verify(grant.get("token").asString(), id, workspace.generation());
        assertThat(verified.outcome()).isEqualTo(Outcome.OK);
        assertThat(verified.subject()).isEqualTo("alice@example.com");
        assertThat(verified.expiresAt()).isEqualTo(expiresAt);

        // The link's code, redeemed on the workspace host as the gateway does: the same session, once.
        String code = url.substring(url.indexOf("code=") + 5);
        Redeemed redeemed = codes.redeem(code, id).block(Duration.ofSeconds(10));
        assertThat(redeemed.redirectPath()).isEqualTo("/");
        assertThat(redeemed.expiresAt()).isEqualTo(expiresAt);
        assertThat(sessions.verify(redeemed.token(), id, workspace.generation()).subject())
                .isEqualTo("alice@example.com");
        assertThat(codes.redeem(code, id).blockOptional(Duration.ofSeconds(10))).isEmpty();
    }

    @Test
    void theOwnerMayBeNamedAndNoOneElse() {
        String id = create("alice").get("id").asString();
        assertThat(sessionOf(grant(id, Map.of("subject", "alice"))).subject()).isEqualTo("alice");
        assertProblem(access(id, Map.of("subject", "mallory")), 403, "access-denied", "mallory");
        assertProblem(access(id, Map.of("subject", "Alice")), 403, "access-denied", "only its owner");
    }

    @Test
    void aWorkspaceWithoutOwnerNeedsASubject() {
        JsonNode created = create(null);
        String id = created.get("id").asString();
        assertThat(created.has("owner")).isFalse();
        assertThat(sessionOf(grant(id, Map.of("subject", "bob"))).subject()).isEqualTo("bob");
        assertProblem(access(id, Map.of()), 400, "validation-failed", "subject: required");
        assertProblem(http.post().uri("/api/v1/workspaces/{id}/access", id).exchange(), 400, "validation-failed",
                "subject");
        assertProblem(access(id, Map.of("subject", "")), 400, "validation-failed", "subject");
        assertProblem(access(id, Map.of("subject", "bob\r\nX-Injected: 1")), 400, "validation-failed",
                "subject: must not contain control characters");
        assertProblem(access(id, Map.of("subject", "b".repeat(257))), 400, "validation-failed", "subject");
    }

    @Test
    void theTtlIsReadInEveryUsualSpellingUpToTheMaximum() {
        String id = create("alice").get("id").asString();
        Map<String, Duration> spellings = Map.of("30m", Duration.ofMinutes(30), "90s", Duration.ofSeconds(90),
                "PT2H", Duration.ofHours(2), "1h30m", Duration.ofMinutes(90), "7d", Duration.ofDays(7));
        spellings.forEach((ttl, expected) -> {
            Instant before = Instant.now();
            JsonNode grant = grant(id, Map.of("ttl", ttl));
            assertThat(Instant.parse(grant.get("expiresAt").asString())).as(ttl)
                    .isCloseTo(before.plus(expected), within(5, ChronoUnit.SECONDS));
            assertThat(sessionOf(grant).expiresAt()).isEqualTo(Instant.parse(grant.get("expiresAt").asString()));
        });
        assertProblem(access(id, Map.of("ttl", "8d")), 400, "validation-failed",
                "ttl: '8d' is longer than the longest session, 7d");
        assertProblem(access(id, Map.of("ttl", "P8D")), 400, "validation-failed", "7d");
        assertProblem(access(id, Map.of("ttl", "eight hours")), 400, "validation-failed", "ttl: 'eight hours' (expected");
        assertProblem(access(id, Map.of("ttl", "0s")), 400, "validation-failed", "ttl: '0s' (expected: between 1s and 7d)");
        assertProblem(access(id, Map.of("ttl", "-PT1H")), 400, "validation-failed", "ttl");
    }

    @Test
    void thePathStaysOnTheWorkspaceHost() {
        String id = create("alice").get("id").asString();
        JsonNode grant = grant(id, Map.of("path", "/lab/tree?file=a%20b.ipynb#top"));
        assertThat(grant.get("url").asString()).doesNotContain("lab").endsWith("code=" + code(grant));
        assertThat(codes.redeem(code(grant), id).block(Duration.ofSeconds(10)).redirectPath())
                .isEqualTo("/lab/tree?file=a%20b.ipynb#top");
        for (String path : List.of("//evil.example", "/\\evil.example", "https://evil.example/", "evil", "",
                " /x", "/a b", "/a\tb", "/a\r\nLocation: //evil.example", "/caf\u00e9", "\\\\evil.example",
                "/" + "a".repeat(2048))) {
            assertProblem(access(id, Map.of("path", path)), 400, "validation-failed", "path");
        }
    }

    @Test
    void unknownAndDeletedWorkspacesAreNotFound() {
        assertProblem(access("no-such-workspace", Map.of("subject", "alice")), 404, "workspace-not-found",
                "no-such-workspace");
        String id = create("alice").get("id").asString();
        http.delete().uri("/api/v1/workspaces/{id}", id).exchange().expectStatus().isAccepted();
        assertProblem(access(id, Map.of()), 404, "workspace-not-found", id);
    }

    @Test
    void theAdminTokenIsRequired() {
        String id = create("alice").get("id").asString();
        JsonNode problem = TestHttp.to("http://127.0.0.1:" + port).build()
                .post().uri("/api/v1/workspaces/{id}/access", id).contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of()).exchange().expectStatus().isUnauthorized()
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody(JsonNode.class).returnResult().getResponseBody();
        assertThat(problem.get("type").asString()).isEqualTo("urn:codehub:problem:unauthorized");
        TestHttp.to("http://127.0.0.1:" + port).build()
                .post().uri("/api/v1/workspaces/{id}/access", id)
                .header(HttpHeaders.AUTHORIZATION, "Bearer " + grant(id, Map.of()).get("token").asString())
                .exchange().expectStatus().isUnauthorized();
    }

    @Test
    void anOwnerIsCheckedAtCreation() {
        for (String owner : List.of("", "a\u0007b", "x".repeat(257))) {
            Map<String, Object> body = new HashMap<>(Map.of("name", "w", "image", BUSYBOX, "agentId", agent));
            body.put("owner", owner);
            assertProblem(http.post().uri("/api/v1/workspaces").contentType(MediaType.APPLICATION_JSON).bodyValue(body)
                    .exchange(), 400, "validation-failed", "owner");
        }
        assertThat(create("x".repeat(256)).get("owner").asString()).hasSize(256);
    }

    @Test
    void theOpenApiDocumentListsTheEndpoint() {
        http.get().uri("/v3/api-docs").exchange().expectStatus().isOk()
                .expectBody().jsonPath("$.paths['/api/v1/workspaces/{id}/access'].post").exists();
    }

    // ---- helpers --------------------------------------------------------------------------------

    private JsonNode create(String owner) {
        Map<String, Object> body = new HashMap<>(Map.of("name", "dev", "image", BUSYBOX, "agentId", agent));
        if (owner != null) {
            body.put("owner", owner);
        }
        return http.post().uri("/api/v1/workspaces").contentType(MediaType.APPLICATION_JSON).bodyValue(body)
                .exchange().expectStatus().isCreated().expectBody(JsonNode.class).returnResult().getResponseBody();
    }

    private JsonNode get(String id) {
        return http.get().uri("/api/v1/workspaces/{id}", id).exchange().expectStatus().isOk()
                .expectBody(JsonNode.class).returnResult().getResponseBody();
    }

    private WebTestClient.ResponseSpec access(String id, Map<String, ?> body) {
        return http.post().uri("/api/v1/workspaces/{id}/access", id).contentType(MediaType.APPLICATION_JSON)
                .bodyValue(body).exchange();
    }

    private JsonNode grant(String id, Map<String, ?> body) {
        return access(id, body).expectStatus().isOk().expectBody(JsonNode.class).returnResult().getResponseBody();
    }

    private Verified sessionOf(JsonNode grant) {
        String id = grant.get("url").asString().substring("http://".length()).split("\\.")[0];
        Workspace workspace = workspaces.findById(id).block(Duration.ofSeconds(10));
        Verified verified = sessions.verify(grant.get("token").asString(), id, workspace.generation());
        assertThat(verified.outcome()).isEqualTo(Outcome.OK);
        return verified;
    }

    private static String code(JsonNode grant) {
        String url = grant.get("url").asString();
        return url.substring(url.indexOf("code=") + 5);
    }

    private static void assertProblem(WebTestClient.ResponseSpec response, int status, String slug, String detail) {
        JsonNode problem = response.expectStatus().isEqualTo(HttpStatus.valueOf(status))
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody(JsonNode.class).returnResult().getResponseBody();
        assertThat(problem.get("type").asString()).isEqualTo("urn:codehub:problem:" + slug);
        assertThat(problem.get("status").asInt()).isEqualTo(status);
        assertThat(problem.get("detail").asString()).contains(detail);
    }
}
