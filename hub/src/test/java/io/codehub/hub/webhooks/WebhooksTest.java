package io.codehub.hub.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntUnaryOperator;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.codehub.hub.config.WebhookProperties;
import io.codehub.hub.events.Event;
import io.codehub.hub.events.EventLog;
import io.codehub.hub.events.EventRepository;
import io.codehub.hub.events.EventType;
import io.codehub.hub.events.NewEvent;
import io.codehub.hub.support.MutableClock;
import io.codehub.hub.support.TestDatabase;
import io.codehub.web.ConfigurationException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Webhooks against real HTTP receivers on loopback and a real (embedded) event history: what is
 * sent and how it is signed, which types, retries of what may pass later, giving up on what never
 * will, order, skipping stale events, and one dead receiver never holding up another.
 */
@Timeout(60)
class WebhooksTest {

    private static final String SECRET = "0123456789abcdef0123456789abcdef-test";
    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-05T12:00:00Z"));
    private final List<Receiver> receivers = new CopyOnWriteArrayList<>();
    private TestDatabase database;
    private EventLog events;
    private EventRepository history;
    private Webhooks webhooks;

    @BeforeEach
    void openHistory() {
        database = TestDatabase.h2(dir);
        history = new EventRepository(database.client(), database.json());
        events = new EventLog(history, clock, 1024, 64);
    }

    @AfterEach
    void close() throws Exception {
        if (webhooks != null) {
            webhooks.stop();
        }
        receivers.forEach(Receiver::close);
        events.close();
        database.close();
    }

    @Test
    void sendsTheChosenTypesAsSignedJsonOnce() throws Exception {
        Receiver receiver = receiver(attempt -> 204);
        start(List.of(receiver.url()), List.of("agent.connected", "agent.disconnected"), Duration.ofMinutes(15));

        events.append(NewEvent.agent(EventType.AGENT_REGISTERED, "a-1")).block(WAIT);
        Event connected = events.append(NewEvent.agent(EventType.AGENT_CONNECTED, "a-1")).block(WAIT);
        Event gone = events.append(NewEvent.agent(EventType.AGENT_DISCONNECTED, "a-1").withReason("half-open"))
                .block(WAIT);

        await().atMost(WAIT).until(() -> receiver.requests.size() >= 2);
        List<Request> got = List.copyOf(receiver.requests);
        assertThat(got).extracting(r -> r.header("Codehub-Delivery"))
                .containsExactly(Long.toString(connected.id()), Long.toString(gone.id()));
        Request last = got.get(1);
        assertThat(last.header("Codehub-Event")).isEqualTo("agent.disconnected");
        assertThat(last.header("Content-Type")).isEqualTo("application/json");
        JsonNode body = database.json().readTree(last.body);
        assertThat(body.get("type").asString()).isEqualTo("agent.disconnected");
        assertThat(body.get("agentId").asString()).isEqualTo("a-1");
        assertThat(body.get("reason").asString()).isEqualTo("half-open");
        assertThat(body.get("id").asLong()).isEqualTo(gone.id());
        assertThat(verified(last)).as("signature over t.body with the shared secret").isTrue();
        // registered was not chosen, and nothing came twice
        await().during(Duration.ofMillis(300)).atMost(WAIT).until(() -> receiver.requests.size() == 2);
    }

    @Test
    void retriesWhatMayPassLaterWithTheSameDeliveryId() throws Exception {
        Receiver receiver = receiver(attempt -> attempt <= 2 ? 503 : 200);
        start(List.of(receiver.url()), List.of("agent.connected"), Duration.ofMinutes(15));

        Event connected = events.append(NewEvent.agent(EventType.AGENT_CONNECTED, "a-2")).block(WAIT);

        await().atMost(WAIT).until(() -> receiver.requests.size() >= 3);
        assertThat(receiver.requests).extracting(r -> r.header("Codehub-Delivery"))
                .containsOnly(Long.toString(connected.id()));
        assertThat(receiver.requests).allMatch(WebhooksTest::verified);
        await().during(Duration.ofMillis(300)).atMost(WAIT).until(() -> receiver.requests.size() == 3);
    }

    @Test
    void givesUpAtOnceOnARefusalAndKeepsTheOrder() throws Exception {
        Receiver receiver = receiver(attempt -> attempt == 1 ? 400 : 200);
        start(List.of(receiver.url()), List.of("agent.connected"), Duration.ofMinutes(15));

        Event first = events.append(NewEvent.agent(EventType.AGENT_CONNECTED, "a-3")).block(WAIT);
        Event second = events.append(NewEvent.agent(EventType.AGENT_CONNECTED, "a-4")).block(WAIT);

        await().atMost(WAIT).until(() -> receiver.requests.size() >= 2);
        assertThat(receiver.requests).extracting(r -> r.header("Codehub-Delivery"))
                .containsExactly(Long.toString(first.id()), Long.toString(second.id()));
    }

    @Test
    void skipsEventsOlderThanTheMaximumAgeWhenTheirTurnComes() throws Exception {
        AtomicInteger open = new AtomicInteger();
        Receiver receiver = receiver(attempt -> open.get() == 0 ? 503 : 200);
        start(List.of(receiver.url()), List.of("agent.connected"), Duration.ofMinutes(5));

        Event first = events.append(NewEvent.agent(EventType.AGENT_CONNECTED, "a-5")).block(WAIT);
        events.append(NewEvent.agent(EventType.AGENT_CONNECTED, "a-6")).block(WAIT);
        await().atMost(WAIT).until(() -> !receiver.requests.isEmpty()); // the first is being retried
        clock.advance(Duration.ofMinutes(10)); // the second is stale before its turn
        open.set(1);
        Event third = events.append(NewEvent.agent(EventType.AGENT_CONNECTED, "a-7")).block(WAIT);

        await().atMost(WAIT).until(() -> receiver.requests.stream()
                .anyMatch(r -> r.header("Codehub-Delivery").equals(Long.toString(third.id()))));
        assertThat(receiver.requests.stream().map(r -> r.header("Codehub-Delivery")).distinct())
                .containsExactly(Long.toString(first.id()), Long.toString(third.id()));
    }

    @Test
    void aDeadReceiverNeverHoldsUpAnother() throws Exception {
        Receiver dead = receiver(attempt -> 500);
        Receiver alive = receiver(attempt -> 200);
        start(List.of(dead.url(), alive.url()), List.of("agent.connected"), Duration.ofMinutes(15));

        for (int i = 0; i < 5; i++) {
            events.append(NewEvent.agent(EventType.AGENT_CONNECTED, "b-" + i)).block(WAIT);
        }

        await().atMost(WAIT).until(() -> alive.requests.size() >= 5);
        assertThat(dead.requests.stream().map(r -> r.header("Codehub-Delivery")).distinct()).hasSize(1);
    }

    @Test
    void withoutUrlsItIsIdle() {
        WebhookProperties off = new WebhookProperties(List.of(), null, List.of("agent.connected"), Duration.ofSeconds(2),
                6, Duration.ofSeconds(1), Duration.ofMinutes(1), Duration.ofMinutes(15));
        webhooks = new Webhooks(off, events, history, database.json(), clock);
        webhooks.start();
        assertThat(webhooks.isRunning()).isTrue();
    }

    @Test
    void refusesSettingsItCannotUse() {
        URI url = URI.create("http://127.0.0.1:1/hook");
        assertThat(catchThrowable(() -> settings(List.of(url), null, List.of("agent.connected"),
                Duration.ofMinutes(1)))).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("CODEHUB_HUB_WEBHOOKS_SECRET");
        assertThat(catchThrowable(() -> settings(List.of(URI.create("ftp://x/y")), SECRET,
                List.of("agent.connected"), Duration.ofMinutes(1)))).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("CODEHUB_HUB_WEBHOOKS_URLS");
        assertThat(catchThrowable(() -> new WebhookProperties(List.of(url), SECRET, List.of("agent.connected"),
                Duration.ofSeconds(2), 3, Duration.ofSeconds(10), Duration.ofSeconds(5), Duration.ofMinutes(1))))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("CODEHUB_HUB_WEBHOOKS_MAX_BACKOFF")
                .hasMessageContaining("shorter than CODEHUB_HUB_WEBHOOKS_BACKOFF");
        WebhookProperties unknownType = settings(List.of(url), SECRET, List.of("agent.exploded"), Duration.ofMinutes(1));
        assertThat(catchThrowable(() -> new Webhooks(unknownType, events, history,
                database.json(), clock))).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("agent.exploded");
        assertThat(settings(List.of(URI.create("https://hooks.example.com/services/T000/B000/XXXX")), SECRET,
                List.of("agent.connected"), Duration.ofMinutes(1)).toString())
                .doesNotContain("XXXX").doesNotContain(SECRET).contains("https://hooks.example.com");
    }

    private void start(List<URI> urls, List<String> types, Duration maxAge) {
        webhooks = new Webhooks(settings(urls, SECRET, types, maxAge), events, history, database.json(), clock);
        webhooks.start();
    }

    private static WebhookProperties settings(List<URI> urls, String secret, List<String> types, Duration maxAge) {
        return new WebhookProperties(urls, secret, types, Duration.ofSeconds(2), 20, Duration.ofMillis(50),
                Duration.ofMillis(200), maxAge);
    }

    private Receiver receiver(IntUnaryOperator statusOfAttempt) throws IOException {
        Receiver receiver = new Receiver(statusOfAttempt);
        receivers.add(receiver);
        return receiver;
    }

    /** Checks the signature as a receiver would, with its own HMAC code. */
    private static boolean verified(Request request) {
        try {
            Map<String, String> parts = new HashMap<>();
            for (String part : request.header("Codehub-Signature").split(",")) {
                String[] kv = part.split("=", 2);
                parts.put(kv[0], kv[1]);
            }
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            mac.update((parts.get("t") + ".").getBytes(StandardCharsets.US_ASCII));
            return HexFormat.of().formatHex(mac.doFinal(request.body)).equals(parts.get("v1"));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** One request as received. */
    private record Request(Map<String, List<String>> headers, byte[] body) {

        String header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                    .map(e -> e.getValue().get(0)).findFirst().orElse("");
        }
    }

    /** A webhook receiver on a loopback port that answers the n-th request (from 1) with the status given. */
    private static final class Receiver {

        private final HttpServer server;
        private final List<Request> requests = new CopyOnWriteArrayList<>();
        private final AtomicInteger attempts = new AtomicInteger();

        Receiver(IntUnaryOperator statusOfAttempt) throws IOException {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
            server.createContext("/hook", exchange -> answer(exchange, statusOfAttempt));
            server.start();
        }

        private void answer(HttpExchange exchange, IntUnaryOperator statusOfAttempt) throws IOException {
            byte[] body = exchange.getRequestBody().readAllBytes();
            requests.add(new Request(Map.copyOf(exchange.getRequestHeaders()), body));
            exchange.sendResponseHeaders(statusOfAttempt.applyAsInt(attempts.incrementAndGet()), -1);
            exchange.close();
        }

        URI url() {
            return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/hook?token=secret-in-query");
        }

        void close() {
            server.stop(0);
        }
    }
}
