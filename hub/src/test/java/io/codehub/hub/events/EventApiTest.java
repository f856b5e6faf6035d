package io.codehub.hub.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import io.codehub.hub.HubApplication;
import io.codehub.hub.support.EventStreamClient;
import io.codehub.hub.support.EventStreamClient.Frame;
import io.codehub.hub.support.TestHttp;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpHeaders;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.reactive.server.WebTestClient;
import tools.jackson.databind.JsonNode;

/**
 * The events API of a running hub (H2): paging and filters of the history, 400 on bad parameters,
 * 401 without the admin token, and the stream: replay after {@code Last-Event-ID} (header or
 * parameter) joined to live events, heartbeats, and the cap on concurrent streams.
 */
@SpringBootTest(classes = HubApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@Timeout(120)
class EventApiTest {

    static final String ADMIN_TOKEN = "test-admin-token-0123456789";
    static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    static Path dataDir;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("codehub.hub.data-dir", () -> dataDir.toString());
        registry.add("codehub.admin.token", () -> ADMIN_TOKEN);
        registry.add("codehub.hub.health.interval", () -> "1h");
        registry.add("codehub.hub.events.max-streams", () -> "2");
        registry.add("codehub.hub.events.heartbeat", () -> "200ms");
    }

    @LocalServerPort
    int port;
    @Autowired
    EventLog events;

    WebTestClient http;

    @BeforeEach
    void client() {
        http = TestHttp.to("http://127.0.0.1:" + port).responseTimeout(WAIT)
                .defaultHeader(HttpHeaders.AUTHORIZATION, "Bearer " + ADMIN_TOKEN).build();
    }

    private List<Event> appendFor(String agentId, int count) {
        List<Event> stored = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            stored.add(events.append(NewEvent.agent(i % 2 == 0 ? EventType.AGENT_CONNECTED : EventType.AGENT_DISCONNECTED,
                    agentId).withReason(i % 2 == 0 ? null : "half-open").with("i", i)).block(WAIT));
        }
        return stored;
    }

    private JsonNode get(String uri) {
        return http.get().uri(uri).exchange().expectStatus().isOk().expectBody(JsonNode.class).returnResult()
                .getResponseBody();
    }

    private String url(String path) {
        return "http://127.0.0.1:" + port + path;
    }

    @Test
    void theHistoryIsPagedNewestFirstAndFiltered() {
        String agent = UUID.randomUUID().toString();
        List<Event> stored = appendFor(agent, 5);

        JsonNode first = get("/api/v1/events?agentId=" + agent + "&limit=2");
        assertThat(first.get("items")).hasSize(2);
        assertThat(first.get("items").get(0).get("id").asLong()).isEqualTo(stored.get(4).id());
        assertThat(first.get("items").get(1).get("id").asLong()).isEqualTo(stored.get(3).id());
        JsonNode item = first.get("items").get(1);
        assertThat(item.get("type").asString()).isEqualTo("agent.disconnected");
        assertThat(item.get("reason").asString()).isEqualTo("half-open");
        assertThat(item.get("agentId").asString()).isEqualTo(agent);
        assertThat(item.has("workspaceId")).as("null members are present").isTrue();
        assertThat(item.get("workspaceId").isNull()).isTrue();
        assertThat(item.get("detail").get("i").asString()).isEqualTo("3");
        assertThat(item.get("at").asString()).endsWith("Z");
        String next = first.get("next").asString();
        assertThat(next).isEqualTo(Long.toString(stored.get(3).id()));

        JsonNode second = get("/api/v1/events?agentId=" + agent + "&limit=2&before=" + next);
        assertThat(second.get("items")).extracting(n -> n.get("id").asLong())
                .containsExactly(stored.get(2).id(), stored.get(1).id());
        JsonNode last = get("/api/v1/events?agentId=" + agent + "&limit=2&before=" + second.get("next").asString());
        assertThat(last.get("items")).extracting(n -> n.get("id").asLong()).containsExactly(stored.get(0).id());
        assertThat(last.has("next")).isTrue();
        assertThat(last.get("next").isNull()).isTrue();

        assertThat(get("/api/v1/events?agentId=" + agent + "&type=agent.disconnected").get("items"))
                .extracting(n -> n.get("id").asLong()).containsExactly(stored.get(3).id(), stored.get(1).id());
        assertThat(get("/api/v1/events?agentId=" + agent + "&type=agent.disconnected&type=agent.connected")
                .get("items")).hasSize(5);
        assertThat(get("/api/v1/events?agentId=" + agent + "&since=" + stored.get(4).at()).get("items"))
                .extracting(n -> n.get("id").asLong()).containsExactly(stored.get(4).id());
        assertThat(get("/api/v1/events?workspaceId=none-such").get("items")).isEmpty();
        assertThat(get("/api/v1/events").get("items").size()).isBetween(5, 100);
    }

    @Test
    void badParametersAre400ValidationFailed() {
        for (String query : List.of("limit=0", "limit=1001", "limit=ten", "before=-1", "before=x", "since=yesterday",
                "type=agent.exploded", "agentId=" + "a".repeat(129))) {
            http.get().uri("/api/v1/events?" + query).exchange()
                    .expectStatus().isBadRequest()
                    .expectHeader().contentType("application/problem+json")
                    .expectBody().jsonPath("$.type").isEqualTo("urn:codehub:problem:validation-failed")
                    .jsonPath("$.detail").value(detail -> assertThat(detail.toString()).isNotBlank());
        }
        http.get().uri("/api/v1/events/stream?type=nope").exchange().expectStatus().isBadRequest();
        http.get().uri("/api/v1/events/stream").header("Last-Event-ID", "abc").exchange().expectStatus().isBadRequest();
    }

    @Test
    void bothEndpointsNeedTheAdminToken() {
        WebTestClient anonymous = TestHttp.to("http://127.0.0.1:" + port).responseTimeout(WAIT).build();
        anonymous.get().uri("/api/v1/events").exchange().expectStatus().isUnauthorized();
        anonymous.get().uri("/api/v1/events/stream").exchange().expectStatus().isUnauthorized();
        anonymous.get().uri("/api/v1/events").header(HttpHeaders.AUTHORIZATION, "Bearer wrong-token-0123456789")
                .exchange().expectStatus().isUnauthorized();
    }

    @Test
    void theStreamResumesAfterLastEventIdWithoutGapOrDuplicate() throws Exception {
        String agent = UUID.randomUUID().toString();
        List<Event> stored = appendFor(agent, 3);
        String filter = "/api/v1/events/stream?agentId=" + agent;
        long lastSeen;
        try (EventStreamClient stream = EventStreamClient.open(url(filter), ADMIN_TOKEN,
                Long.toString(stored.get(0).id()))) {
            assertThat(stream.response().headers().firstValue("Content-Type")).hasValueSatisfying(
                    type -> assertThat(type).startsWith("text/event-stream"));
            List<Frame> replayed = stream.next(2, WAIT);
            assertThat(replayed).extracting(Frame::id).containsExactly(stored.get(1).id(), stored.get(2).id());
            assertThat(replayed.get(0).event()).isEqualTo("agent.disconnected");
            assertThat(replayed.get(0).data().get("reason").asString()).isEqualTo("half-open");
            assertThat(replayed.get(0).data().get("id").asLong()).isEqualTo(stored.get(1).id());

            events.publish(NewEvent.agent(EventType.AGENT_UPDATED, UUID.randomUUID().toString())); // filtered out
            Event live = events.append(NewEvent.agent(EventType.AGENT_REPLACED, agent).withReason("replaced")).block(WAIT);
            Frame frame = stream.next(WAIT);
            assertThat(frame.id()).isEqualTo(live.id());
            assertThat(frame.event()).isEqualTo("agent.replaced");
            lastSeen = frame.id();
            await().atMost(WAIT).until(() -> stream.comments() >= 3); // ": connected" and heartbeats
        }
        // while away
        Event missed = events.append(NewEvent.agent(EventType.AGENT_CONNECTED, agent)).block(WAIT);
        try (EventStreamClient stream = EventStreamClient.open(url(filter + "&lastEventId=" + lastSeen), ADMIN_TOKEN,
                null)) {
            assertThat(stream.next(WAIT).id()).isEqualTo(missed.id());
            Event after = events.append(NewEvent.agent(EventType.AGENT_DISCONNECTED, agent).withReason("closed-by-agent"))
                    .block(WAIT);
            assertThat(stream.next(WAIT).id()).isEqualTo(after.id());
            assertThat(stream.poll(Duration.ofMillis(500))).as("nothing twice").isNull();
        }
    }

    @Test
    void streamsBeyondTheCapAre503() throws Exception {
        await().atMost(WAIT).until(() -> openStreams() == 0); // streams of other tests are closed
        try (EventStreamClient one = EventStreamClient.open(url("/api/v1/events/stream"), ADMIN_TOKEN, null);
                EventStreamClient two = EventStreamClient.open(url("/api/v1/events/stream"), ADMIN_TOKEN, null)) {
            HttpResponse<InputStream> third = EventStreamClient.request(url("/api/v1/events/stream"), ADMIN_TOKEN, null);
            assertThat(third.statusCode()).isEqualTo(503);
            String body = new String(third.body().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(body).contains("urn:codehub:problem:too-many-event-streams");
            assertThat(one.comments() + two.comments()).isGreaterThanOrEqualTo(0);
        }
        await().atMost(WAIT).until(() -> openStreams() == 0);
        try (EventStreamClient again = EventStreamClient.open(url("/api/v1/events/stream"), ADMIN_TOKEN, null)) {
            await().atMost(WAIT).until(() -> again.comments() >= 1);
        }
    }

    @Autowired
    EventController controller;

    private int openStreams() {
        return controller.openStreams();
    }
}
