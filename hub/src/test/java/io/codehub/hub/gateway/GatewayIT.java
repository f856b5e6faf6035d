package io.codehub.hub.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.codehub.hub.support.AgentProcess;
import io.codehub.hub.support.Chromium;
import io.codehub.hub.support.GatewayClient;
import io.codehub.hub.support.TestFiles;
import io.codehub.hub.support.TestHub;
import io.codehub.hub.tunnel.TunnelPort;
import io.codehub.runtime.contract.DockerCli;
import io.codehub.tunnel.TunnelSession;
import io.codehub.tunnel.spring.AgentTunnels;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.LoggerFactory;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The workspace gateway end to end: a hub in this JVM, a direct agent and a tunnel-only agent as
 * real processes on the real dockerd, each running a workspace of the sample app image
 * ({@code codehub/sample-workspace:local}, built by {@code deploy/test-images/build}). People's
 * traffic (HTTP, streaming both ways, SSE, WebSocket) goes through the gateway's listener to each,
 * and every way a request is refused is checked to be refused before any agent is asked.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class GatewayIT {

    private static final String ADMIN_TOKEN = "gateway-admin-token-0123456789abcdef";
    private static final String IMAGE = "codehub/sample-workspace:local";
    private static final Duration CONVERGE = Duration.ofSeconds(120);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static Path dir;
    private static ConfigurableApplicationContext hub;
    private static WebTestClient api;
    private static GatewayClient gateway;
    private static int gatewayPort;
    private static AgentProcess direct;
    private static AgentProcess tunnelled;
    private static final Map<String, String> workspaces = new HashMap<>();
    private static final Map<String, String> cookies = new HashMap<>();
    private static final List<String> created = new ArrayList<>();

    @BeforeAll
    static void startHubAgentsAndWorkspaces() throws Exception {
        dir = Files.createTempDirectory("gateway-it");
        hub = TestHub.start(dir.resolve("hub"), ADMIN_TOKEN, "codehub.hub.health.interval", "5s",
                "codehub.hub.health.failure-threshold", "3", "codehub.hub.reconciler.interval", "500ms",
                "codehub.hub.reconciler.poll-interval", "200ms", "codehub.hub.gateway.response-header-timeout", "3s");
        api = TestHub.adminClient(hub, ADMIN_TOKEN);
        gatewayPort = hub.getBean(GatewayServer.class).localAddress().getPort();
        gateway = new GatewayClient(gatewayPort);
        int tunnelPort = hub.getBean(TunnelPort.class).localAddress().getPort();
        String publicKeyPem = get("/api/v1/hub").get("publicKeyPem").asString();

        int directPort = AgentProcess.freePort();
        String directId = register("direct", "http://127.0.0.1:" + directPort).get("agent").get("id").asString();
        direct = AgentProcess.start(directId, directPort, publicKeyPem, dir.resolve("direct"));
        JsonNode registered = register("behind-nat", "tunnel://");
        String tunnelId = registered.get("agent").get("id").asString();
        tunnelled = AgentProcess.start(tunnelId, AgentProcess.freePort(), publicKeyPem, dir.resolve("tunnelled"),
                Map.of("CODEHUB_AGENT_HUB_URL", "tcp://127.0.0.1:" + tunnelPort,
                        "CODEHUB_AGENT_API_KEY", registered.get("apiKey").asString()));
        for (String agent : List.of(directId, tunnelId)) {
            await().atMost(CONVERGE).until(() -> get("/api/v1/agents/" + agent).get("status").asString(), "active"::equals);
        }
        workspaces.put("direct", create("gw-direct", directId));
        workspaces.put("tunnel", create("gw-tunnel", tunnelId));
        workspaces.put("other", create("gw-other", directId));
        for (String id : workspaces.values()) {
            await().atMost(CONVERGE).pollInterval(Duration.ofMillis(250))
                    .until(() -> get("/api/v1/workspaces/" + id).get("state").asString(), "RUNNING"::equals);
        }
        for (Map.Entry<String, String> entry : workspaces.entrySet()) {
            cookies.put(entry.getKey(), signIn(entry.getValue()));
        }
        // RUNNING says the container runs; its app takes a moment more to listen, as in real life.
        for (Map.Entry<String, String> entry : workspaces.entrySet()) {
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).ignoreExceptions().until(
                    () -> gateway.get(host(entry.getValue()), "/hello", Map.of("Cookie", cookies.get(entry.getKey())))
                            .status() == 200);
        }
    }

    @AfterAll
    static void stopEverything() {
        try {
            if (hub != null) {
                hub.close();
            }
        } finally {
            for (AgentProcess agent : new AgentProcess[] {direct, tunnelled}) {
                if (agent != null) {
                    agent.close();
                }
            }
            created.forEach(DockerCli::removeWorkspaces);
            TestFiles.deleteRecursively(dir);
        }
    }

    // ---- access -------------------------------------------------------------------------------------------------

    @Test
    @Order(1)
    void theAccessLinkSignsInOnceAndSetsAHostOnlyCookie() {
        String id = workspaces.get("direct");
        JsonNode grant = access(id, "{\"subject\":\"ada\",\"ttl\":\"1h\",\"path\":\"/hello?x=1\"}");
        URI url = URI.create(grant.get("url").asString());
        assertThat(url.getHost()).isEqualTo(id + ".apps.localhost");
        assertThat(url.getPort()).isEqualTo(gatewayPort);

        GatewayClient.Response first = gateway.get(host(id), url.getRawPath() + "?" + url.getRawQuery(), Map.of());
        assertThat(first.status()).isEqualTo(302);
        assertThat(first.header("Location")).isEqualTo("/hello?x=1");
        String setCookie = first.header("Set-Cookie");
        assertThat(setCookie).startsWith("codehub_session=chs1.").contains("HttpOnly").contains("SameSite=Lax")
                .contains("Path=/").doesNotContainIgnoringCase("domain=").doesNotContain("Secure");

        GatewayClient.Response page = gateway.get(host(id), "/hello", Map.of("Cookie", GatewayClient.cookieOf(setCookie)));
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.body()).isEqualTo("hello from port 8080\n");

        // The code is spent: the same link signs nobody in again.
        GatewayClient.Response again = gateway.get(host(id), url.getRawPath() + "?" + url.getRawQuery(), Map.of());
        assertThat(again.status()).isEqualTo(401);
    }

    @Test
    @Order(2)
    void theBearerTokenOpensTheWorkspaceForNonBrowserClients() {
        String id = workspaces.get("tunnel");
        String token = access(id, "{\"subject\":\"ci-bot\"}").get("token").asString();

        GatewayClient.Response response = gateway.get(host(id), "/headers", Map.of("Authorization", "Bearer " + token));

        assertThat(response.status()).isEqualTo(200);
        JsonNode headers = JSON.readTree(response.body());
        assertThat(headers.has("authorization")).as("the gateway's own token is not forwarded").isFalse();
    }

    @Test
    @Order(2)
    void eachRequestGetsAnAccessLogLineWithoutItsCredentialsWrittenOffTheEventLoops() {
        String id = workspaces.get("tunnel");
        String token = access(id, "{\"subject\":\"ci-bot\"}").get("token").asString();
        Logger logger = (Logger) LoggerFactory.getLogger(Gateway.ACCESS_LOGGER);
        ListAppender<ILoggingEvent> lines = new ListAppender<>();
        lines.start();
        logger.addAppender(lines);
        try {
            assertThat(gateway.get(host(id), "/headers?note=query-secret", Map.of("Authorization", "Bearer " + token,
                    "Cookie", cookies.get("tunnel"))).status()).isEqualTo(200);

            ILoggingEvent line = await().atMost(Duration.ofSeconds(5)).until(() -> lines.list.stream()
                    .filter(e -> e.getFormattedMessage().contains(" GET /headers ")).findFirst().orElse(null),
                    e -> e != null);
            assertThat(line.getFormattedMessage()).startsWith("workspace=" + id + " port=").contains(
                    " GET /headers status=200 in=0 out=").doesNotContain("query-secret").doesNotContain(token)
                    .doesNotContain(cookies.get("tunnel").substring(cookies.get("tunnel").indexOf('=') + 1));
            assertThat(line.getThreadName()).isEqualTo("codehub-gateway-access-log");
        } finally {
            logger.detachAppender(lines);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"direct", "tunnel"})
    @Order(3)
    void theAppSeesTheBrowsersHeadersButNotTheGatewaysCredentials(String which) {
        String id = workspaces.get(which);
        // As a browser sends it: with the port.
        // A session cookie planted for the whole apps domain by another workspace's page comes
        // first: the gateway takes the one that verifies, and forwards neither.
        GatewayClient.Response response = gateway.get(host(id) + ":" + gatewayPort, "/headers", Map.of(
                "Cookie", "theme=dark; codehub_session=chs1.planted.bogus; " + cookies.get(which) + "; lang=en",
                "X-Forwarded-For", "6.6.6.6", "Forwarded", "for=6.6.6.6", "Origin", "http://" + host(id)));

        assertThat(response.status()).isEqualTo(200);
        JsonNode headers = JSON.readTree(response.body());
        assertThat(first(headers, "host")).isEqualTo(host(id) + ":" + gatewayPort);
        assertThat(first(headers, "cookie")).isEqualTo("theme=dark; lang=en");
        assertThat(first(headers, "x-forwarded-for")).isEqualTo("127.0.0.1");
        assertThat(first(headers, "x-forwarded-proto")).isEqualTo("http");
        assertThat(first(headers, "x-forwarded-host")).isEqualTo(host(id) + ":" + gatewayPort);
        assertThat(first(headers, "origin")).isEqualTo("http://" + host(id));
        assertThat(headers.has("forwarded")).isFalse();
    }

    // ---- traffic ------------------------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"direct", "tunnel"})
    @Order(4)
    void largeUploadsAndDownloadsStreamWithTheirContentIntact(String which) throws Exception {
        String id = workspaces.get(which);
        long size = 2L * 1024 * 1024 * 1024;
        Map<String, String> auth = Map.of("Cookie", cookies.get(which));

        // Upload: 2 GiB of a pattern the test generates as it goes; the app hashes what arrives.
        MessageDigest sent = MessageDigest.getInstance("SHA-256");
        String uploaded = gateway.client(host(id), auth)
                .headers(h -> h.set("Content-Length", Long.toString(size)))
                .post().uri("/sha256")
                .send(pattern(size, sent))
                .responseSingle((response, body) -> body.asString())
                .block(Duration.ofMinutes(3));
        JsonNode upload = JSON.readTree(uploaded);
        byte[] patternDigest = sent.digest();
        assertThat(upload.get("bytes").asLong()).isEqualTo(size);
        assertThat(upload.get("sha256").asString()).isEqualTo(HexFormat.of().formatHex(patternDigest));

        // Download: 2 GiB the app generates; hashed here as it arrives, never held whole.
        MessageDigest received = MessageDigest.getInstance("SHA-256");
        AtomicLong count = new AtomicLong();
        gateway.client(host(id), auth).get().uri("/bytes?n=" + size)
                .responseContent()
                .doOnNext(buf -> {
                    count.addAndGet(buf.readableBytes());
                    received.update(buf.nioBuffer());
                })
                .then().block(Duration.ofMinutes(3));
        assertThat(count.get()).isEqualTo(size);
        // The app sends the same pattern the upload was made of.
        assertThat(received.digest()).isEqualTo(patternDigest);
    }

    @ParameterizedTest
    @ValueSource(strings = {"direct", "tunnel"})
    @Order(5)
    void serverSentEventsArriveAsTheyAreSent(String which) {
        String id = workspaces.get(which);
        List<Long> arrivals = new ArrayList<>();
        long start = System.nanoTime();
        List<String> events = gateway.client(host(id), Map.of("Cookie", cookies.get(which)))
                .get().uri("/sse?count=5&intervalMs=400")
                .responseContent().asString()
                .doOnNext(chunk -> arrivals.add(System.nanoTime() - start))
                .collectList().block(Duration.ofSeconds(30));

        assertThat(String.join("", events)).contains("data: event 0").contains("data: event 4");
        // Five events 400 ms apart: the first is seen long before the last was even sent.
        assertThat(arrivals.get(0)).isLessThan(arrivals.get(arrivals.size() - 1) - TimeUnit.MILLISECONDS.toNanos(1000));
    }

    @ParameterizedTest
    @ValueSource(strings = {"direct", "tunnel"})
    @Order(6)
    void webSocketsEchoLargeAndManyMessages(String which) {
        String id = workspaces.get(which);
        Map<String, String> auth = Map.of("Cookie", cookies.get(which), "Origin", "http://" + host(id));
        byte[] big = new byte[1024 * 1024];
        for (int i = 0; i < big.length; i++) {
            big[i] = (byte) (i * 31 + 7);
        }
        byte[] echoed = gateway.websocket(host(id), "/ws", auth, (in, out) -> out
                        .sendObject(Mono.just(new BinaryWebSocketFrame(
                                Unpooled.wrappedBuffer(big))))
                        .then()
                        .thenMany(in.aggregateFrames(4 * 1024 * 1024).receiveFrames().take(1).map(frame -> {
                            ByteBuf content = frame.content();
                            byte[] copy = new byte[content.readableBytes()];
                            content.readBytes(copy);
                            return copy;
                        })))
                .blockFirst(Duration.ofSeconds(60));
        assertThat(echoed).isEqualTo(big);

        List<String> replies = gateway.websocket(host(id), "/ws", auth, (in, out) -> out
                        .sendString(Flux.range(0, 1000).map(i -> "message " + i))
                        .then()
                        .thenMany(in.receive().asString().take(1000)))
                .collectList().block(Duration.ofSeconds(60));
        assertThat(replies).hasSize(1000).startsWith("message 0").endsWith("message 999");
    }

    @ParameterizedTest
    @ValueSource(strings = {"direct", "tunnel"})
    @Order(7)
    void aPortPrefixReachesAnotherPortOfTheSameWorkspace(String which) {
        String id = workspaces.get(which);
        // Another port is another origin (a browser keeps its cookie apart); a session names the
        // workspace, so it opens every port the workspace exposes.
        String portHost = "3000--" + host(id);
        GatewayClient.Response response = gateway.get(portHost, "/hello", Map.of("Cookie", cookies.get(which)));
        assertThat(response.status()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("hello from port 3000\n");

        // A link can land on that port's host, where the browser then keeps its own cookie.
        URI url = URI.create(access(id, "{\"subject\":\"dev\",\"port\":3000}").get("url").asString());
        assertThat(url.getHost()).isEqualTo(portHost);
        GatewayClient.Response signIn = gateway.get(portHost, url.getRawPath() + "?" + url.getRawQuery(), Map.of());
        assertThat(signIn.status()).isEqualTo(302);
        assertThat(gateway.get(portHost, "/hello", Map.of("Cookie", GatewayClient.cookieOf(signIn.header("Set-Cookie"))))
                .body()).isEqualTo("hello from port 3000\n");
        api.post().uri("/api/v1/workspaces/" + id + "/access").contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"subject\":\"dev\",\"port\":22}").exchange().expectStatus().isBadRequest();
    }

    @Test
    @Order(8)
    void aRealBrowserOpensTheAccessLinkAndTalksToTheAppOverAWebSocket() throws Exception {
        String id = workspaces.get("tunnel");
        String origin = "http://" + host(id) + ":" + gatewayPort;
        String url = access(id, "{\"subject\":\"browser-user\"}").get("url").asString();
        String echo = "document.getElementById('echo') ? document.getElementById('echo').textContent : ''";
        try (Chromium browser = Chromium.start(dir.resolve("chromium-profile"))) {
            // The link: code -> cookie -> redirect to the app's page, whose script opens a
            // WebSocket through the gateway and the tunnel and shows the echo.
            Chromium.Page page = browser.open(url);
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                    .until(() -> page.eval(echo), "hello from the browser"::equals);
            assertThat(page.eval("document.title")).isEqualTo("codehub sample workspace");
            assertThat(page.eval("location.href")).isEqualTo(origin + "/");
            assertThat(page.eval("document.cookie")).as("the session cookie is HttpOnly").isEmpty();
            page.screenshot(Path.of("target", "gateway-browser.png").toAbsolutePath());

            // Same browser: the cookie opens the workspace again without a link...
            Chromium.Page again = browser.open(origin + "/");
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                    .until(() -> again.eval(echo), "hello from the browser"::equals);
            // ...and is worth nothing on another workspace's host: that one shows the sign-in page.
            Chromium.Page other = browser.open("http://" + host(workspaces.get("direct")) + ":" + gatewayPort + "/");
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                    .until(() -> other.eval("document.title"), title -> title.startsWith("Sign-in needed"));
        }
        assertThat(Path.of("target", "gateway-browser.png")).isNotEmptyFile();
    }

    // ---- refusals -----------------------------------------------------------------------------------------------

    @Test
    @Order(10)
    void withoutAValidSessionTheAnswerIs401AndTheAgentIsNeverAsked() {
        String id = workspaces.get("direct");
        GatewayClient.Response none = gateway.get(host(id), "/hello", Map.of("Accept", "application/json"));
        assertThat(none.status()).isEqualTo(401);
        assertThat(none.header("Content-Type")).isEqualTo("application/problem+json");
        assertThat(none.body()).contains("gateway-unauthorized");

        GatewayClient.Response page = gateway.get(host(id), "/hello", Map.of("Accept", "text/html,*/*"));
        assertThat(page.status()).isEqualTo(401);
        assertThat(page.header("Content-Type")).startsWith("text/html");

        // Another workspace's session, a forged one, a token in the wrong place.
        assertThat(gateway.get(host(id), "/hello", Map.of("Cookie", cookies.get("other"))).status()).isEqualTo(401);
        String forged = cookies.get("direct").substring(0, cookies.get("direct").length() - 3) + "AAA";
        assertThat(gateway.get(host(id), "/hello", Map.of("Cookie", forged)).status()).isEqualTo(401);
        assertThat(gateway.get(host(id), "/hello", Map.of("Cookie", "codehub_session=chs1.x.y")).status()).isEqualTo(401);
    }

    @Test
    @Order(11)
    void anExpiredSessionIsRefused() {
        String id = workspaces.get("direct");
        String token = access(id, "{\"subject\":\"brief\",\"ttl\":\"1s\"}").get("token").asString();
        await().atMost(Duration.ofSeconds(10)).until(() -> gateway.get(host(id), "/hello",
                Map.of("Authorization", "Bearer " + token)).status() == 401);
    }

    @Test
    @Order(12)
    void hostsThatNameNoWorkspaceOfThisGatewayAreNeverForwarded() throws Exception {
        String cookie = cookies.get("direct");
        for (String host : List.of("127.0.0.1:" + gatewayPort, "localhost", "apps.localhost", "169.254.169.254",
                "[::1]", "hub.example.com", "x." + host(workspaces.get("direct")), workspaces.get("direct") + ".example.com")) {
            GatewayClient.Response response = gateway.get(host, "/", Map.of("Cookie", cookie));
            assertThat(response.status()).as(host).isEqualTo(404);
            assertThat(response.body()).as(host).contains("not-a-workspace-host");
        }
        GatewayClient.Response unknown = gateway.get("0f8fad5b-d9cb-469f-a165-70867728950e.apps.localhost", "/",
                Map.of("Cookie", cookie));
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.body()).contains("workspace-not-found");
        GatewayClient.Response notExposed = gateway.get("22--" + host(workspaces.get("direct")), "/",
                Map.of("Cookie", cookie));
        assertThat(notExposed.status()).isEqualTo(404);
        assertThat(notExposed.body()).contains("port-not-exposed");
    }

    @Test
    @Order(13)
    void requestsAProxyCouldBeTrickedWithAreRefused() throws Exception {
        String host = host(workspaces.get("direct"));
        String cookie = cookies.get("direct");
        // Absolute-form target naming another host: never followed.
        assertThat(GatewayClient.status(gateway.raw("GET http://169.254.169.254/latest HTTP/1.1\r\nHost: " + host
                + "\r\nCookie: " + cookie + "\r\n\r\n", 4096))).isEqualTo(400);
        // CONNECT through the gateway.
        assertThat(GatewayClient.status(gateway.raw("CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: 127.0.0.1:22\r\n\r\n", 4096)))
                .isEqualTo(405);
        // Two Host headers.
        assertThat(GatewayClient.status(gateway.raw("GET / HTTP/1.1\r\nHost: " + host + "\r\nHost: localhost\r\n"
                + "Cookie: " + cookie + "\r\n\r\n", 4096))).isEqualTo(400);
        // A keep-alive connection cannot be steered to another workspace after its first request.
        String other = host(workspaces.get("other"));
        String answers = gateway.raw("GET /hello HTTP/1.1\r\nHost: " + host + "\r\nCookie: " + cookie + "\r\n\r\n"
                + "GET /hello HTTP/1.1\r\nHost: " + other + "\r\nCookie: " + cookies.get("other") + "\r\n\r\n", 8192);
        assertThat(answers).startsWith("HTTP/1.1 200").contains("HTTP/1.1 421");
        // Oversized headers.
        assertThat(GatewayClient.status(gateway.raw("GET / HTTP/1.1\r\nHost: " + host + "\r\nX-Big: " + "a".repeat(40_000)
                + "\r\n\r\n", 4096))).isEqualTo(431);
    }

    @Test
    @Order(14)
    void anExposedPortNothingListensOnAnswers502() {
        String id = workspaces.get("tunnel");
        GatewayClient.Response response = gateway.get("3001--" + host(id), "/", Map.of("Cookie", cookies.get("tunnel"),
                "Accept", "application/json"));
        assertThat(response.status()).isEqualTo(502);
        assertThat(response.body()).contains("upstream-unavailable");
    }

    @Test
    @Order(15)
    void aSilentAppGets504AfterTheResponseHeaderTimeout() {
        String id = workspaces.get("tunnel");
        long start = System.nanoTime();
        GatewayClient.Response response = gateway.get(host(id), "/delay?ms=20000", Map.of("Cookie", cookies.get("tunnel"),
                "Accept", "application/json"));
        long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertThat(response.status()).isEqualTo(504);
        assertThat(response.body()).contains("upstream-timeout");
        assertThat(tookMillis).as("cut at the 3 s timeout, not at the app's 20 s").isBetween(2_500L, 15_000L);
    }

    @Test
    @Order(16)
    void aStalledDownloadHoldsBackOnlyItselfAndAClientThatLeavesCancelsItsTunnelStream() throws Exception {
        String id = workspaces.get("tunnel");
        TunnelSession session = hub.getBean(AgentTunnels.class).session(tunnelled.agentId()).orElseThrow();
        int before = session.activeStreams();
        try (Socket stalled = new Socket("127.0.0.1", gatewayPort)) {
            // 4 GiB asked for, nothing read: the download stops at the windows and socket buffers.
            stalled.getOutputStream().write(("GET /bytes?n=" + (4L << 30) + " HTTP/1.1\r\nHost: " + host(id)
                    + "\r\nCookie: " + cookies.get("tunnel") + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            await().atMost(Duration.ofSeconds(10)).until(() -> session.activeStreams() > before);
            // Its siblings on the same tunnel are not slowed: small requests answer at once.
            for (int i = 0; i < 20; i++) {
                GatewayClient.Response hello = gateway.get(host(id), "/hello", Map.of("Cookie", cookies.get("tunnel")));
                assertThat(hello.status()).isEqualTo(200);
            }
        }
        // The client went away: the gateway resets its CONNECT stream, which closes the app's connection.
        await().atMost(Duration.ofSeconds(10)).until(() -> session.activeStreams() <= before);
    }

    @ParameterizedTest
    @ValueSource(strings = {"direct", "tunnel"})
    @Order(18)
    void aGetTheAppDroppedUnansweredIsSentOnceMoreButAPostIsNot(String which) {
        String id = workspaces.get(which);
        Map<String, String> cookie = Map.of("Cookie", cookies.get(which), "Accept", "application/json");
        long key = System.nanoTime();
        // The app closes the first request of a key unanswered, as a keep-alive connection it closed
        // just then or a tunnel cut under the request would: the gateway sends a GET once more.
        GatewayClient.Response get = gateway.get(host(id), "/drop-once?key=" + key, cookie);
        assertThat(get.status()).isEqualTo(200);
        assertThat(get.body()).isEqualTo("answered on try 2\n");

        // A POST may have done its work before the app went away: answered 502, never sent twice.
        GatewayClient.Response post = gateway.send(HttpMethod.POST, host(id), "/drop-once?key=" + (key + 1), cookie, "");
        assertThat(post.status()).isEqualTo(502);
        assertThat(post.body()).contains("upstream-unavailable", "closed the connection before it answered");
        assertThat(gateway.send(HttpMethod.POST, host(id), "/drop-once?key=" + (key + 1), cookie, "").body())
                .as("the app saw the first POST once").isEqualTo("answered on try 2\n");
    }

    @Test
    @Order(20)
    void aStoppedWorkspaceAnswers409WithItsState() {
        String id = workspaces.get("other");
        api.post().uri("/api/v1/workspaces/" + id + "/stop").exchange().expectStatus().is2xxSuccessful();
        GatewayClient.Response response = await().atMost(CONVERGE).until(
                () -> gateway.get(host(id), "/", Map.of("Cookie", cookies.get("other"), "Accept", "application/json")),
                r -> r.status() == 409);
        assertThat(response.body()).contains("workspace-not-running").contains("\"state\":");
    }

    @Test
    @Order(17)
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aKeepAliveConnectionToATunnelledWorkspaceMovesToTheTunnelsEventLoop() throws Exception {
        String request = "GET /hello HTTP/1.1\r\nHost: " + host(workspaces.get("tunnel")) + "\r\nCookie: "
                + cookies.get("tunnel") + "\r\n\r\n";
        try (Socket socket = new Socket("127.0.0.1", gatewayPort)) {
            socket.setSoTimeout(10_000);
            for (int i = 0; i < 3; i++) {
                assertThat(GatewayClient.exchange(socket, request)).startsWith("HTTP/1.1 200");
            }
            int localPort = socket.getLocalPort();
            Channel connection = hub.getBean(GatewayServer.class).connections().stream()
                    .filter(ch -> ch.remoteAddress() instanceof InetSocketAddress remote && remote.getPort() == localPort)
                    .findFirst().orElseThrow();
            TunnelSession session = hub.getBean(AgentTunnels.class).session(tunnelled.agentId()).orElseThrow();
            // Its requests were served on the tunnel connection's thread, with no hand-off per message.
            assertThat(connection.eventLoop()).isSameAs(session.eventLoop());
        }
    }

    @Test
    @Order(21)
    void anAgentWithoutItsTunnelAnswers503WithRetryAfter() {
        String id = workspaces.get("tunnel");
        tunnelled.kill();
        GatewayClient.Response response = await().atMost(Duration.ofSeconds(20)).until(
                () -> gateway.get(host(id), "/", Map.of("Cookie", cookies.get("tunnel"), "Accept", "application/json")),
                r -> r.status() != 200);
        assertThat(response.status()).isEqualTo(503);
        assertThat(response.body()).contains("agent-not-connected");
        assertThat(response.header("Retry-After")).isNotBlank();
    }

    /** Last: it stops the gateway. */
    @Test
    @Order(30)
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aStoppingGatewayLetsTheExchangeInProgressFinishAndClosesIdleConnectionsAtOnce() throws Exception {
        String id = workspaces.get("direct");
        String headers = "Host: " + host(id) + "\r\nCookie: " + cookies.get("direct") + "\r\n\r\n";
        GatewayServer server = hub.getBean(GatewayServer.class);
        try (Socket idle = new Socket("127.0.0.1", gatewayPort); Socket streaming = new Socket("127.0.0.1", gatewayPort)) {
            idle.setSoTimeout(10_000);
            streaming.setSoTimeout(10_000);
            assertThat(GatewayClient.exchange(idle, "GET /hello HTTP/1.1\r\n" + headers)).startsWith("HTTP/1.1 200");
            // Ten events 300 ms apart: the stream is in progress once the first one is here.
            streaming.getOutputStream().write(("GET /sse?count=10&intervalMs=300 HTTP/1.1\r\n" + headers)
                    .getBytes(StandardCharsets.US_ASCII));
            InputStream in = streaming.getInputStream();
            assertThat(GatewayClient.readHead(in)).startsWith("HTTP/1.1 200");
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            byte[] buffer = new byte[8192];
            while (!body.toString(StandardCharsets.UTF_8).contains("data: event 0")) {
                int n = in.read(buffer);
                assertThat(n).as("the stream ended before its first event").isPositive();
                body.write(buffer, 0, n);
            }

            long stopping = System.nanoTime();
            CompletableFuture<Void> stopped = CompletableFuture.runAsync(server::stop);
            // The idle keep-alive connection closes at once, long before the stream's last event.
            assertThat(idle.getInputStream().read()).isEqualTo(-1);
            long idleClosedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stopping);
            await().atMost(Duration.ofSeconds(5)).until(() -> !accepts(gatewayPort));
            // The stream runs to its end, then its connection closes.
            in.transferTo(body);
            assertThat(body.toString(StandardCharsets.UTF_8)).contains("data: event 9");
            stopped.get(15, TimeUnit.SECONDS);
            assertThat(idleClosedMillis).isLessThan(1_500);
            assertThat(server.openConnections()).isZero();
        }
    }

    // ---- helpers ------------------------------------------------------------------------------------------------


    private static boolean accepts(int port) {
        try (Socket ignored = new Socket("127.0.0.1", port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static String host(String workspaceId) {
        return workspaceId + ".apps.localhost";
    }

    private static String first(JsonNode headers, String name) {
        JsonNode values = headers.get(name);
        return values == null || values.isEmpty() ? null : values.get(0).asString();
    }

    /** {@code size} bytes of the sample app's pattern, in 64 KiB buffers, fed to {@code digest} as they go. */
    private static Flux<ByteBuf> pattern(long size, MessageDigest digest) {
        int chunk = 64 * 1024;
        return Flux.generate(() -> 0L, (offset, sink) -> {
            if (offset >= size) {
                sink.complete();
                return offset;
            }
            int n = (int) Math.min(chunk, size - offset);
            byte[] bytes = new byte[n];
            for (int i = 0; i < n; i++) {
                bytes[i] = (byte) (((offset + i) * 31 + 7) & 0xff);
            }
            digest.update(bytes);
            sink.next(Unpooled.wrappedBuffer(bytes));
            return offset + n;
        });
    }

    private static String signIn(String id) {
        URI url = URI.create(access(id, "{\"subject\":\"tester\"}").get("url").asString());
        GatewayClient.Response response = gateway.get(host(id), url.getRawPath() + "?" + url.getRawQuery(), Map.of());
        assertThat(response.status()).as("sign-in to %s", id).isEqualTo(302);
        return GatewayClient.cookieOf(response.header("Set-Cookie"));
    }

    private static JsonNode access(String id, String body) {
        return api.post().uri("/api/v1/workspaces/" + id + "/access").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(body).exchange().expectStatus().isOk().expectBody(JsonNode.class).returnResult()
                .getResponseBody();
    }

    private static JsonNode register(String name, String endpoint) {
        return api.post().uri("/api/v1/agents").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("name", name, "endpoint", endpoint, "type", "docker", "capacity", 8))
                .exchange().expectStatus().isCreated().expectBody(JsonNode.class).returnResult().getResponseBody();
    }

    private static String create(String name, String agentId) {
        JsonNode workspace = api.post().uri("/api/v1/workspaces").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("name", name, "image", IMAGE, "imagePullPolicy", "Never", "agentId", agentId,
                        "env", Map.of("SAMPLE_PORTS", "8080,3000"), "ports", List.of(3000, 3001)))
                .exchange().expectStatus().isCreated().expectBody(JsonNode.class).returnResult().getResponseBody();
        String id = workspace.get("id").asString();
        created.add(id);
        return id;
    }

    private static JsonNode get(String path) {
        return api.get().uri(path).exchange().expectStatus().isOk().expectBody(JsonNode.class).returnResult()
                .getResponseBody();
    }
}
