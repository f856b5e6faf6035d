package io.codehub.hub;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.codehub.hub.support.RawHttp;
import io.codehub.hub.support.TestFiles;
import io.codehub.hub.support.TestHub;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The Hub API attacked on its HTTP port, a real hub in this JVM (loopback only, every loop bounded):
 * admin token brute force from one address (the failed-admin-auth budget answers 429 with
 * Retry-After), bodies over {@code CODEHUB_HUB_MAX_BODY_BYTES} (413), pages over the limit (400), and
 * a catalogue of bad input, each answered with problem+json that names no class and carries no
 * stack trace. Figures are printed as {@code ATTACK <name>: <figure>}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class HubApiAttackIT {

    private static final String ADMIN_TOKEN = "cha_hubapiattack0123456789abcdefghijklmnopqrs";
    private static final int MAX_BODY = 4096;
    private static final int ADMIN_BURST = 10;
    private static final Duration ADMIN_REFILL = Duration.ofSeconds(6);
    private static final InetAddress ADMIN = RawHttp.loopback(1);
    private static final String AUTHORIZATION = "Authorization: Bearer " + ADMIN_TOKEN + "\r\n";
    private static final Duration IO = Duration.ofSeconds(15);
    private static final JsonMapper JSON = JsonMapper.builder().build();
    /** What a leak of internals looks like in an answer body. */
    private static final List<String> LEAKS = List.of("Exception", "\tat ", "at io.", "at java.", "java.lang",
            "io.codehub", "org.springframework", "tools.jackson", "com.fasterxml", "reactor.", "io.netty", "org.h2",
            "io.r2dbc", "Caused by", "stackTrace", "trace");

    private static Path dir;
    private static ConfigurableApplicationContext hub;
    private static int port;

    @BeforeAll
    static void startHub() throws Exception {
        dir = Files.createTempDirectory("hub-api-attack-it");
        hub = TestHub.start(dir.resolve("hub"), ADMIN_TOKEN, "server.address", "127.0.0.1",
                "codehub.admin.failed-auth-burst", Integer.toString(ADMIN_BURST),
                "codehub.admin.failed-auth-refill", ADMIN_REFILL.toSeconds() + "s",
                "codehub.hub.max-body-bytes", Integer.toString(MAX_BODY), "codehub.hub.gateway.enabled", "false");
        port = Integer.parseInt(hub.getEnvironment().getProperty("local.server.port"));
    }

    @AfterAll
    static void stopHub() {
        try {
            if (hub != null) {
                hub.close();
            }
        } finally {
            TestFiles.deleteRecursively(dir);
        }
    }

    @Test
    @Order(1)
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void adminTokenBruteForceFromOneAddressMeetsTheBudget() throws Exception {
        InetAddress attacker = RawHttp.loopback(10);
        Map<Integer, Integer> statuses = new LinkedHashMap<>();
        long started = System.nanoTime();
        int attempts = 1_000;
        for (int i = 0; i < attempts; i++) {
            // Same length as the real token, sharing a prefix of i % length characters with it.
            int shared = i % ADMIN_TOKEN.length();
            char other = ADMIN_TOKEN.charAt(shared) == 'z' ? 'y' : 'z';
            String guess = ADMIN_TOKEN.substring(0, shared) + other + ADMIN_TOKEN.substring(shared + 1);
            RawHttp.Answer answer = get(attacker, "/api/v1/agents", guess);
            statuses.merge(answer.status(), 1, Integer::sum);
            assertProblem(answer, "guess " + i);
            if (answer.status() == 429) {
                assertThat(Long.parseLong(answer.header("Retry-After"))).isBetween(1L, ADMIN_REFILL.toSeconds());
                assertThat(answer.body()).contains("urn:codehub:problem:too-many-failed-authentications");
            } else {
                assertThat(answer.status()).isEqualTo(401);
            }
        }
        Duration elapsed = Duration.ofNanos(System.nanoTime() - started);
        long allowed = ADMIN_BURST + elapsed.toMillis() / ADMIN_REFILL.toMillis() + 1;
        RawHttp.Answer rightTokenWhileLimited = get(attacker, "/api/v1/agents", ADMIN_TOKEN);
        RawHttp.Answer otherAddress = get(ADMIN, "/api/v1/agents", ADMIN_TOKEN);
        System.out.println("ATTACK admin token brute force, one address: " + attempts + " guesses of equal length in "
                + elapsed.toMillis() + " ms -> " + statuses + " (budget allows " + allowed + " 401s); the right token "
                + "from it then: " + rightTokenWhileLimited.status() + "; from another address: " + otherAddress.status());
        assertThat(statuses.getOrDefault(401, 0)).isBetween(ADMIN_BURST, (int) allowed);
        assertThat(statuses.getOrDefault(429, 0)).isGreaterThanOrEqualTo(attempts - (int) allowed);
        assertThat(rightTokenWhileLimited.status()).isEqualTo(429);
        assertThat(otherAddress.status()).isEqualTo(200);
    }

    @Test
    @Order(2)
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void bodiesOverTheLimitGet413() throws Exception {
        String padding = "x".repeat(MAX_BODY);
        String json = "{\"name\":\"big\",\"endpoint\":\"tunnel://\",\"type\":\"docker\",\"capacity\":1,\"region\":\""
                + padding + "\"}";
        Map<String, RawHttp.Answer> answers = new LinkedHashMap<>();
        answers.put("Content-Length " + json.length(), RawHttp.exchange(ADMIN, port, request("POST", "/api/v1/agents", AUTHORIZATION
                + "Content-Type: application/json\r\nContent-Length: " + json.length() + "\r\n", json), IO));
        answers.put("chunked " + json.length(), RawHttp.exchange(ADMIN, port, request("POST", "/api/v1/agents", AUTHORIZATION
                + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n",
                Integer.toHexString(json.length()) + "\r\n" + json + "\r\n0\r\n\r\n"), IO));
        String mebibyte = "{\"name\":\"" + "y".repeat(1 << 20) + "\"}";
        answers.put("Content-Length 1 MiB", RawHttp.exchange(ADMIN, port, request("POST", "/api/v1/workspaces", AUTHORIZATION
                + "Content-Type: application/json\r\nContent-Length: " + mebibyte.length() + "\r\n", mebibyte), IO));
        for (Map.Entry<String, RawHttp.Answer> answer : answers.entrySet()) {
            System.out.println("ATTACK body over " + MAX_BODY + " bytes, " + answer.getKey() + ": "
                    + answer.getValue().status());
            assertThat(answer.getValue().status()).as(answer.getKey()).isEqualTo(413);
            assertProblem(answer.getValue(), answer.getKey());
            assertThat(answer.getValue().body()).contains("urn:codehub:problem:payload-too-large");
        }
    }

    @Test
    @Order(3)
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void pagesAreCappedAndPagedByCursor() throws Exception {
        for (int i = 0; i < 3; i++) {
            RawHttp.Answer registered = post("/api/v1/agents",
                    "{\"name\":\"paged-" + i + "\",\"endpoint\":\"tunnel://\",\"type\":\"docker\",\"capacity\":1}");
            assertThat(registered.status()).as(registered.body()).isEqualTo(201);
        }
        for (String list : List.of("/api/v1/agents", "/api/v1/workspaces", "/api/v1/events")) {
            for (String limit : List.of("1001", "0", "-1", "abc", "99999999999999999999", "1e3", "%00")) {
                RawHttp.Answer answer = get(ADMIN, list + "?limit=" + limit, ADMIN_TOKEN);
                assertThat(answer.status()).as(list + " limit " + limit).isEqualTo(400);
                assertProblem(answer, list + " limit " + limit);
                assertThat(answer.body()).contains("limit");
            }
            assertThat(get(ADMIN, list + "?limit=1000", ADMIN_TOKEN).status()).isEqualTo(200);
        }
        JsonNode first = JSON.readTree(get(ADMIN, "/api/v1/agents?limit=2", ADMIN_TOKEN).body());
        assertThat(first.get("items")).hasSize(2);
        String next = first.get("next").asString();
        JsonNode second = JSON.readTree(get(ADMIN, "/api/v1/agents?limit=2&after=" + next, ADMIN_TOKEN).body());
        assertThat(second.get("items")).hasSize(1);
        assertThat(second.has("next") && !second.get("next").isNull()).as("no next page").isFalse();
        RawHttp.Answer unknownCursor = get(ADMIN, "/api/v1/agents?after=no-such-agent", ADMIN_TOKEN);
        assertThat(unknownCursor.status()).isEqualTo(400);
        assertProblem(unknownCursor, "unknown cursor");
        System.out.println("ATTACK page limits: limit 1001, 0, -1, abc, 20 digits, 1e3, NUL on agents, workspaces, "
                + "events -> 400 problem+json each; 3 agents at limit 2 -> pages of 2 and 1");
    }

    @Test
    @Order(4)
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void everyBadInputIsProblemJsonWithoutInternals() throws Exception {
        String agentJson = "\"endpoint\":\"tunnel://\",\"type\":\"docker\",\"capacity\":1";
        Map<String, String> cases = new LinkedHashMap<>();
        cases.put("malformed JSON", post("/api/v1/agents", "{\"name\": \"x\",", "application/json"));
        cases.put("not JSON at all", post("/api/v1/agents", "<xml/>", "application/json"));
        cases.put("empty body", post("/api/v1/agents", "", "application/json"));
        cases.put("wrong types", post("/api/v1/agents",
                "{\"name\":123,\"endpoint\":[],\"type\":{},\"capacity\":\"many\"}", "application/json"));
        cases.put("capacity as a huge number", post("/api/v1/agents",
                "{\"name\":\"n\"," + agentJson.replace("\"capacity\":1", "\"capacity\":1e999999") + "}", "application/json"));
        cases.put("capacity beyond int", post("/api/v1/agents",
                "{\"name\":\"n\"," + agentJson.replace("\"capacity\":1", "\"capacity\":99999999999999999999") + "}",
                "application/json"));
        cases.put("array instead of object", post("/api/v1/agents", "[1,2,3]", "application/json"));
        cases.put("nested 2,000 deep", post("/api/v1/agents", "[".repeat(2000) + "]".repeat(2000), "application/json"));
        cases.put("unknown enum: agent status filter", raw("GET", "/api/v1/agents?status=bogus", "", null));
        cases.put("unknown enum: workspace state filter", raw("GET", "/api/v1/workspaces?state=bogus", "", null));
        cases.put("unknown enum: agent auth", post("/api/v1/agents", "{\"name\":\"n\"," + agentJson
                + ",\"auth\":\"bogus\"}", "application/json"));
        cases.put("unknown enum: event type", raw("GET", "/api/v1/events?type=bogus.event", "", null));
        cases.put("unknown enum: image pull policy", post("/api/v1/workspaces", "{\"name\":\"w\",\"image\":\"i\","
                + "\"imagePullPolicy\":\"Sometimes\"}", "application/json"));
        cases.put("bad instant", raw("GET", "/api/v1/events?since=yesterday", "", null));
        cases.put("bad cursor type", raw("GET", "/api/v1/events?before=abc", "", null));
        cases.put("query string of 3 KiB in a filter", raw("GET", "/api/v1/agents?status=" + "s".repeat(3 * 1024), "",
                null));
        cases.put("bad path id: NUL", raw("GET", "/api/v1/agents/%00", "", null));
        cases.put("bad path id: traversal", raw("GET", "/api/v1/agents/..%2F..%2Fetc%2Fpasswd", "", null));
        cases.put("bad path id: 2,000 characters", raw("GET", "/api/v1/workspaces/" + "w".repeat(2000), "", null));
        cases.put("bad path id: unicode", raw("GET", "/api/v1/workspaces/%E2%98%83", "", null));
        cases.put("content type text/plain", post("/api/v1/agents", "{\"name\":\"n\"," + agentJson + "}", "text/plain"));
        cases.put("content type application/xml", post("/api/v1/agents", "<agent/>", "application/xml"));
        cases.put("content type garbage", post("/api/v1/agents", "{}", "not a media type"));
        cases.put("no content type", post("/api/v1/agents", "{\"name\":\"n\"," + agentJson + "}", null));
        cases.put("unknown route", raw("GET", "/api/v1/nothing-here", "", null));
        cases.put("wrong method", raw("PUT", "/api/v1/agents", "", null));
        cases.put("unknown agent", raw("GET", "/api/v1/agents/no-such-agent", "", null));
        cases.put("unknown workspace action", raw("POST", "/api/v1/workspaces/no-such/start", "", null));
        int answered = 0;
        List<String> failures = new ArrayList<>();
        for (Map.Entry<String, String> c : cases.entrySet()) {
            RawHttp.Answer answer = RawHttp.exchange(ADMIN, port, c.getValue(), IO);
            System.out.println("ATTACK bad input, " + c.getKey() + ": " + answer.status() + " "
                    + answer.header("Content-Type"));
            try {
                assertThat(answer.status()).as(c.getKey()).isBetween(400, 499);
                assertProblem(answer, c.getKey());
                answered++;
            } catch (AssertionError e) {
                failures.add(e.getMessage());
            }
        }
        System.out.println("ATTACK bad input: " + answered + " of " + cases.size()
                + " answered 4xx problem+json without a class name or stack trace");
        assertThat(failures).isEmpty();
    }

    /**
     * What is refused before the application sees a request, by Reactor Netty's codec (which then
     * closes) or by Spring's adapter (a target that is no URI): problem+json all the same, with the
     * status they chose. Requests just inside the limits are served as usual.
     */
    @Test
    @Order(5)
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void whatTheHttpCodecRefusesIsProblemJsonAndClosed() throws Exception {
        record Refusal(String request, int status, String type) {
        }
        Map<String, Refusal> cases = new LinkedHashMap<>();
        cases.put("query string of 64 KiB", new Refusal(raw("GET", "/api/v1/agents?region=" + "r".repeat(64 * 1024), "",
                null), 414, "uri-too-long"));
        cases.put("header of 64 KiB", new Refusal(raw("GET", "/api/v1/agents", "", "X-Bomb: " + "b".repeat(64 * 1024)
                + "\r\n"), 431, "request-headers-too-large"));
        cases.put("5,000 headers", new Refusal(raw("GET", "/api/v1/agents", "", "X-H: v\r\n".repeat(5_000)), 431,
                "request-headers-too-large"));
        cases.put("bad escape in the path", new Refusal(raw("GET", "/api/v1/agents/%zz", "", null), 400,
                "malformed-request"));
        cases.put("bad escape in the query", new Refusal(raw("GET", "/api/v1/agents?region=%zz", "", null), 400,
                "malformed-request"));
        cases.put("a space in a header name", new Refusal(raw("GET", "/api/v1/agents", "", "X Bad: v\r\n"), 400,
                "malformed-request"));
        cases.put("chunk size not hex", new Refusal(raw("POST", "/api/v1/agents", "zz\r\n{}\r\n0\r\n\r\n",
                "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n"), 400, "malformed-request"));
        for (Map.Entry<String, Refusal> c : cases.entrySet()) {
            RawHttp.Answer answer = RawHttp.exchange(ADMIN, port, c.getValue().request(), IO);
            System.out.println("ATTACK codec refusal, " + c.getKey() + ": " + answer.status() + " "
                    + answer.header("Content-Type") + ", closed " + answer.closed() + ": " + answer.body());
            assertThat(answer.status()).as(c.getKey()).isEqualTo(c.getValue().status());
            assertProblem(answer, c.getKey());
            assertThat(JSON.readTree(answer.body()).get("type").asString()).as(c.getKey())
                    .isEqualTo("urn:codehub:problem:" + c.getValue().type());
            assertThat(answer.closed()).as(c.getKey() + ": closed").isTrue();
        }
        // Spring's refusal read the whole request: a connection kept alive stays open.
        RawHttp.Answer keptAlive = RawHttp.exchange(ADMIN, port,
                "GET /api/v1/agents/%zz HTTP/1.1\r\nHost: 127.0.0.1\r\n" + AUTHORIZATION + "\r\n", IO);
        System.out.println("ATTACK codec refusal, bad escape in the path, kept alive: " + keptAlive.status() + " "
                + keptAlive.header("Content-Type") + ", closed " + keptAlive.closed());
        assertThat(keptAlive.status()).isEqualTo(400);
        assertProblem(keptAlive, "bad escape, kept alive");
        assertThat(keptAlive.closed()).as("kept alive").isFalse();
        // Just inside the limits (a 3 KiB query string, 12 KiB of headers): served, untouched.
        RawHttp.Answer longQuery = get(ADMIN, "/api/v1/agents?region=" + "r".repeat(3 * 1024), ADMIN_TOKEN);
        assertThat(longQuery.status()).isEqualTo(200);
        assertThat(longQuery.header("Content-Type")).startsWith("application/json");
        RawHttp.Answer manyHeaders = RawHttp.exchange(ADMIN, port, raw("GET", "/api/v1/agents", "",
                "X-H: v\r\n".repeat(1_500)), IO);
        assertThat(manyHeaders.status()).isEqualTo(200);
        assertThat(manyHeaders.header("Content-Type")).startsWith("application/json");
    }

    private static RawHttp.Answer get(InetAddress source, String path, String token) throws IOException {
        return RawHttp.exchange(source, port, request("GET", path, "Authorization: Bearer " + token + "\r\n", ""), IO);
    }

    private static RawHttp.Answer post(String path, String json) throws IOException {
        return RawHttp.exchange(ADMIN, port, post(path, json, "application/json"), IO);
    }

    private static String post(String path, String body, String contentType) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        return raw("POST", path, body, (contentType == null ? "" : "Content-Type: " + contentType + "\r\n")
                + "Content-Length: " + bytes.length + "\r\n");
    }

    private static String raw(String method, String path, String body, String headers) {
        return request(method, path, AUTHORIZATION + (headers == null ? "" : headers), body);
    }

    private static String request(String method, String path, String headers, String body) {
        return method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" + headers + "\r\n" + body;
    }

    /** A problem+json answer with the RFC 9457 members and nothing of the hub's insides. */
    private static void assertProblem(RawHttp.Answer answer, String what) {
        assertThat(answer.header("Content-Type")).as(what + ": content type").startsWith("application/problem+json");
        JsonNode problem = JSON.readTree(answer.body());
        for (String member : List.of("type", "title", "status", "detail")) {
            assertThat(problem.has(member)).as(what + ": " + member + " in " + answer.body()).isTrue();
        }
        assertThat(problem.get("type").asString()).startsWith("urn:codehub:problem:");
        assertThat(problem.get("status").asInt()).isEqualTo(answer.status());
        for (String leak : LEAKS) {
            assertThat(answer.body()).as(what + ": no '" + leak + "' in " + answer.body()).doesNotContain(leak);
        }
    }
}
