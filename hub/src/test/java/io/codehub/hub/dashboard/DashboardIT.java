package io.codehub.hub.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.codehub.hub.gateway.GatewayServer;
import io.codehub.hub.support.AgentProcess;
import io.codehub.hub.support.Chromium;
import io.codehub.hub.support.TestFiles;
import io.codehub.hub.support.TestHub;
import io.codehub.hub.tunnel.TunnelPort;
import io.codehub.runtime.contract.DockerCli;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.webjars.WebJarVersionLocator;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The dashboard in a real headless Chromium against a real hub, with a real agent process behind
 * the tunnel driving the real Docker engine (the sample workspace image of {@code .ci/prepare-env}).
 * The steps build on each other, in order: sign-in by keyboard (a wrong token first), an agent that
 * appears and connects and disconnects while the page watches (the event stream; each wait is
 * shorter than the page's 30 s safety refresh, and the page is never reloaded), a key rotation shown
 * once, a workspace stopped and started from the page, the gateway opened in a new tab, the agent
 * kicked, axe-core's accessibility rules on every page, a phone-width layout and the sign-out. No
 * step may leave a script error or CSP violation in the page. Screenshots go to
 * {@code target/dashboard-screenshots/}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class DashboardIT {

    private static final String ADMIN_TOKEN = "dashboard-admin-token-0123456789abcdef";
    private static final String IMAGE = "codehub/sample-workspace:local";
    private static final JsonMapper JSON = JsonMapper.builder().build();
    /** Shorter than the page's safety refresh (30 s): what arrives within it came by the event stream. */
    private static final Duration LIVE = Duration.ofSeconds(20);
    private static final Duration CONVERGE = Duration.ofSeconds(120);
    private static final Path SHOTS = Path.of("target", "dashboard-screenshots").toAbsolutePath();

    private static Path dir;
    private static ConfigurableApplicationContext hub;
    private static WebTestClient api;
    private static String base;
    private static int tunnelPort;
    private static String publicKeyPem;
    private static Chromium browser;
    private static Chromium.Page page;
    private static AgentProcess agent;
    private static String agentId;
    private static String workspaceId;
    private static final List<String> workspaces = new ArrayList<>();

    @BeforeAll
    static void startHubAndBrowser() throws Exception {
        dir = Files.createTempDirectory("dashboard-it");
        hub = TestHub.start(dir.resolve("hub"), ADMIN_TOKEN, "codehub.hub.health.interval", "2s",
                "codehub.hub.reconciler.interval", "500ms", "codehub.hub.reconciler.poll-interval", "200ms",
                "codehub.hub.fleet.sample-interval", "1s");
        base = TestHub.baseUrl(hub);
        api = TestHub.adminClient(hub, ADMIN_TOKEN);
        tunnelPort = hub.getBean(TunnelPort.class).localAddress().getPort();
        publicKeyPem = get("/api/v1/hub").get("publicKeyPem").asString();
        browser = Chromium.start(dir.resolve("chromium-profile"));
        page = browser.open(base + "/");
        page.viewport(1280, 900, false);
    }

    @AfterAll
    static void stopEverything() {
        try {
            if (browser != null) {
                browser.close();
            }
            if (hub != null) {
                hub.close();
            }
        } finally {
            if (agent != null) {
                agent.kill();
            }
            workspaces.forEach(DockerCli::removeWorkspaces);
            TestFiles.deleteRecursively(dir);
        }
    }

    @Test
    @Order(1)
    void theHubServesThePageAndItsAssetsWithStrictHeaders() throws Exception {
        HttpResponse<String> index = fetch("/");
        assertThat(index.statusCode()).isEqualTo(200);
        assertThat(index.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/html"));
        String csp = index.headers().firstValue("Content-Security-Policy").orElseThrow();
        assertThat(csp).contains("default-src 'none'", "script-src 'self'", "frame-ancestors 'none'",
                "form-action 'none'").doesNotContain("unsafe-inline", "unsafe-eval");
        assertThat(index.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
        assertThat(index.headers().firstValue("Referrer-Policy")).hasValue("no-referrer");
        assertThat(index.headers().firstValue("Cache-Control")).hasValue("no-cache");
        assertThat(index.body()).contains("<script type=\"module\" src=\"/dashboard/app.js\">")
                .doesNotContain("<script>", "style=");

        for (String asset : List.of("/dashboard/app.js", "/dashboard/app.css", "/webjars/lit-html/lit-html.js",
                "/webjars/uplot/dist/uPlot.esm.js")) {
            HttpResponse<String> answer = fetch(asset);
            assertThat(answer.statusCode()).as(asset).isEqualTo(200);
            assertThat(answer.headers().firstValue("Content-Security-Policy")).as(asset).hasValue(csp);
        }
        assertThat(fetch("/dashboard/app.js").headers().firstValue("Content-Type"))
                .hasValueSatisfying(t -> assertThat(t).startsWith("text/javascript"));
        // Nothing else is served from the classpath, and the API keeps its own rules.
        assertThat(fetch("/webjars/lit-html/missing.js").statusCode()).isEqualTo(404);
        assertThat(fetch("/application.yaml").statusCode()).isEqualTo(404);
        assertThat(fetch("/dashboard/../application.yaml").statusCode()).isIn(400, 404);
        HttpResponse<String> apiCall = fetch("/api/v1/agents");
        assertThat(apiCall.statusCode()).isEqualTo(401);
        assertThat(apiCall.headers().firstValue("Content-Security-Policy")).isEmpty();
        assertThat(fetch("/actuator/health").statusCode()).isEqualTo(200);
    }

    @Test
    @Order(2)
    void aWrongTokenShowsAClearErrorAndGoesNowhere() throws Exception {
        page.waitForSelector("#token", LIVE);
        assertNoAccessibilityProblems("login");
        page.focus("#token");
        page.type("not-the-admin-token-at-all");
        page.press("Enter");

        page.waitFor("document.querySelector('#login-error')", LIVE);
        assertThat(page.eval("document.querySelector('#login-error').textContent")).contains("Wrong token");
        assertThat(page.eval("document.querySelector('#token').getAttribute('aria-invalid')")).isEqualTo("true");
        assertThat(page.eval("location.href")).isEqualTo(base + "/");
        assertThat(page.eval("JSON.stringify(Object.keys(sessionStorage))")).isEqualTo("[]");
        page.waitFor("document.activeElement.id === 'token' && document.activeElement.selectionEnd > 0", LIVE);
        page.screenshot(SHOTS.resolve("login-error.png"));
    }

    @Test
    @Order(3)
    void theAdminTokenSignsInWithEnter() throws Exception {
        // The refused token is selected in the focused field: typing replaces it.
        page.type(ADMIN_TOKEN);
        page.press("Enter");

        page.waitFor("document.querySelector('main h1')?.textContent === 'Fleet overview'", LIVE);
        assertThat(page.eval("location.href")).isEqualTo(base + "/").doesNotContain(ADMIN_TOKEN);
        assertThat(page.eval("document.cookie")).isEmpty();
        assertThat(page.eval("localStorage.length")).isEqualTo("0");
        assertThat(page.eval("sessionStorage.getItem('codehub.adminToken')")).as("kept for this tab only")
                .isEqualTo(ADMIN_TOKEN);
        assertThat(page.eval("document.activeElement.tagName")).as("focus moves to the page's heading").isEqualTo("H1");
        page.waitFor("document.querySelector('[data-stream]').dataset.stream === 'live'", LIVE);
        // Set once: still there at the end of every live step, so the page was never reloaded.
        page.eval("window.notReloaded = true");
    }

    @Test
    @Order(4)
    void anAgentAppearsLiveConnectsWhenItsProcessStartsAndTurnsDisconnectedWhenKilled() throws Exception {
        page.click("nav a[href='#/agents']");
        page.waitFor("document.querySelector('main h1')?.textContent === 'Agents'", LIVE);

        JsonNode registered = api.post().uri("/api/v1/agents").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("name", "site-a", "endpoint", "tunnel://", "type", "docker", "capacity", 4,
                        "region", "eu-west", "labels", Map.of("site", "a")))
                .exchange().expectStatus().isCreated().expectBody(JsonNode.class).returnResult().getResponseBody();
        agentId = registered.get("agent").get("id").asString();
        String row = "document.querySelector('tr[data-agent-id=\"" + agentId + "\"]')";
        page.waitFor(row, LIVE);
        assertThat(page.eval(row + ".querySelector('[data-field=connection]').textContent.trim()"))
                .isEqualTo("disconnected");

        agent = AgentProcess.start(agentId, AgentProcess.freePort(), publicKeyPem, dir.resolve("agent"),
                Map.of("CODEHUB_AGENT_HUB_URL", "tcp://127.0.0.1:" + tunnelPort,
                        "CODEHUB_AGENT_API_KEY", registered.get("apiKey").asString()));
        page.waitFor(row + "?.querySelector('[data-field=connection]').textContent.trim() === 'connected'", LIVE);
        page.waitFor(row + ".textContent.includes('127.0.0.1:')", LIVE);
        assertThat(page.eval(row + ".textContent")).contains("site-a", "eu-west", "site=a", "0 / 4", "api-key");
        assertThat(page.eval("document.querySelector('#announcements').textContent")).contains("site-a");
        page.screenshot(SHOTS.resolve("agents.png"));

        agent.kill();
        page.waitFor(row + "?.querySelector('[data-field=connection]').textContent.trim() === 'disconnected'", LIVE);
        assertThat(page.eval(row + ".textContent")).contains("seen");

        agent.start();
        page.waitFor(row + "?.querySelector('[data-field=connection]').textContent.trim() === 'connected'", LIVE);
        assertThat(page.eval("window.notReloaded")).isEqualTo("true");
        await().atMost(CONVERGE).until(() -> get("/api/v1/agents/" + agentId).get("status").asString(), "active"::equals);
    }

    @Test
    @Order(5)
    void aRotatedKeyIsShownOnceThenForgotten() throws Exception {
        String row = "tr[data-agent-id=\"" + agentId + "\"]";
        page.click(row + " [data-action=rotate-key]");
        page.waitForSelector("dialog[open] [data-action=confirm]", LIVE);
        assertNoAccessibilityProblems("confirm-dialog");
        page.click("dialog[open] [data-action=confirm]");

        page.waitFor("document.querySelector('#new-key')?.value", LIVE);
        String key = page.eval("document.querySelector('#new-key').value");
        assertThat(key).startsWith("chk_" + agentId + "_");
        assertThat(get("/api/v1/agents/" + agentId).has("previousKeyExpiresAt")).isTrue();
        page.screenshot(SHOTS.resolve("new-key.png"));

        page.press("Escape");
        page.waitFor("!document.querySelector('dialog')", LIVE);
        assertThat(page.eval("document.documentElement.outerHTML")).doesNotContain(key);
        assertThat(page.eval("document.activeElement.dataset.action")).as("focus returns to the button")
                .isEqualTo("rotate-key");
    }

    @Test
    @Order(6)
    void aWorkspaceIsStoppedAndStartedFromThePageWhichFollowsItsState() throws Exception {
        page.click("nav a[href='#/workspaces']");
        page.waitFor("document.querySelector('main h1')?.textContent === 'Workspaces'", LIVE);
        JsonNode created = api.post().uri("/api/v1/workspaces").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("name", "dash-ws", "image", IMAGE, "imagePullPolicy", "Never", "agentId", agentId))
                .exchange().expectStatus().isCreated().expectBody(JsonNode.class).returnResult().getResponseBody();
        workspaceId = created.get("id").asString();
        workspaces.add(workspaceId);
        String state = "document.querySelector('tr[data-workspace-id=\"" + workspaceId
                + "\"] [data-field=state]')?.textContent.trim()";
        page.waitFor(state, LIVE);
        page.waitFor(state + " === 'RUNNING'", CONVERGE);

        String row = "tr[data-workspace-id=\"" + workspaceId + "\"]";
        page.click(row + " [data-action=stop]");
        page.waitForSelector("dialog[open] [data-action=confirm]", LIVE);
        page.click("dialog[open] [data-action=confirm]");
        page.waitFor(state + " === 'STOPPED'", CONVERGE);

        page.click(row + " [data-action=start]");
        page.waitFor(state + " === 'STARTING' || " + state + " === 'PENDING' || " + state + " === 'RUNNING'", LIVE);
        page.waitFor(state + " === 'RUNNING'", CONVERGE);
        assertThat(page.eval("window.notReloaded")).isEqualTo("true");
        page.screenshot(SHOTS.resolve("workspaces.png"));
    }

    @Test
    @Order(7)
    void openingAWorkspaceOpensItsGatewayLinkInANewTab() throws Exception {
        int gatewayPort = hub.getBean(GatewayServer.class).localAddress().getPort();
        page.click("tr[data-workspace-id=\"" + workspaceId + "\"] [data-action=open]");
        String host = workspaceId + ".apps.localhost:" + gatewayPort;
        await().atMost(LIVE).until(() -> browser.pageUrls().stream().anyMatch(url -> url.contains(host)));
    }

    @Test
    @Order(8)
    void disconnectClosesTheTunnelAndTheAgentComesBack() {
        api.post().uri("/api/v1/agents/no-such-agent/disconnect").exchange().expectStatus().isNotFound();
        String lonely = api.post().uri("/api/v1/agents").contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("name", "never-started", "endpoint", "tunnel://", "type", "docker", "capacity", 1))
                .exchange().expectStatus().isCreated().expectBody(JsonNode.class).returnResult().getResponseBody()
                .get("agent").get("id").asString();
        api.post().uri("/api/v1/agents/" + lonely + "/disconnect").exchange().expectStatus().isEqualTo(409)
                .expectBody().jsonPath("$.type").isEqualTo("urn:codehub:problem:no-tunnel-session");

        page.click("nav a[href='#/agents']");
        String button = "tr[data-agent-id=\"" + agentId + "\"] [data-action=disconnect]";
        page.waitForSelector(button, LIVE);
        String since = get("/api/v1/agents/" + agentId).get("connection").get("since").asString();
        // The live region says "disconnected", then "connected" as soon as the agent is back (within
        // milliseconds): keep every text it shows rather than race to read the first.
        page.eval("window.announced = []; new MutationObserver(() => window.announced.push("
                + "document.querySelector('#announcements')?.textContent ?? '')).observe(document.body, "
                + "{subtree: true, childList: true, characterData: true}); true");
        page.click(button);
        page.waitForSelector("dialog[open] [data-action=confirm]", LIVE);
        page.click("dialog[open] [data-action=confirm]");
        await().atMost(LIVE).until(() -> {
            JsonNode connection = get("/api/v1/agents/" + agentId).get("connection");
            return "connected".equals(connection.get("state").asString())
                    && !since.equals(connection.get("since").asString());
        });
        page.waitFor("window.announced.some(text => text.includes('disconnected'))", LIVE);
    }

    @Test
    @Order(9)
    void theAgentPageListsItsEvents() throws Exception {
        page.click("tr[data-agent-id=\"" + agentId + "\"] th a");
        page.waitFor("document.querySelector('main h1')?.textContent === 'site-a'", LIVE);
        page.waitFor("document.querySelector('li[data-event-type=\"agent.disconnected\"]')", LIVE);
        assertThat(page.eval("[...document.querySelectorAll('li[data-event-type]')].map(e => e.dataset.eventType)"
                + ".join(' ')")).contains("agent.connected", "agent.disconnected", "agent.key-rotated",
                        "agent.registered");
        assertThat(page.eval("document.querySelector('ol.events').textContent")).as("the kick's reason")
                .contains("closed-by-hub");
        assertThat(page.eval("document.querySelector('.facts').textContent")).contains("linux", "docker");
        page.screenshot(SHOTS.resolve("agent.png"));
    }

    @Test
    @Order(10)
    void theOverviewCountsTheFleetAndChartsTheLastHour() throws Exception {
        page.click("nav a[href='#/']");
        page.waitFor("document.querySelector('main h1')?.textContent === 'Fleet overview'", LIVE);
        page.waitFor("document.querySelector('[data-count=tunnels-connected]')?.textContent === '1'", LIVE);
        page.waitFor("document.querySelector('fleet-chart canvas')", LIVE);
        assertThat(page.eval("document.querySelector('[data-count=\"workspace-state:RUNNING\"]').textContent"))
                .isEqualTo("1");
        assertThat(page.eval("document.querySelector('fleet-chart').getAttribute('aria-label')")).contains("now 1");
        page.screenshot(SHOTS.resolve("overview.png"));
    }

    @Test
    @Order(11)
    void everyPageIsFreeOfSeriousAccessibilityProblems() {
        for (String route : List.of("#/", "#/agents", "#/agents/" + agentId, "#/workspaces")) {
            page.eval("location.hash = " + JSON.writeValueAsString(route));
            page.waitFor("document.querySelector('main h1') && !document.querySelector('[aria-busy=true]')", LIVE);
            assertNoAccessibilityProblems(route);
        }
    }

    @Test
    @Order(12)
    void atPhoneWidthTablesBecomeCardsAndNothingScrollsSideways() throws Exception {
        page.viewport(390, 844, true);
        try {
            for (String route : List.of("#/agents", "#/workspaces", "#/")) {
                page.eval("location.hash = " + JSON.writeValueAsString(route));
                page.waitFor("document.querySelector('main h1')", LIVE);
                page.waitFor("document.documentElement.scrollWidth <= window.innerWidth", LIVE);
                if (!route.equals("#/")) {
                    assertThat(page.eval("getComputedStyle(document.querySelector('tbody tr')).display"))
                            .isEqualTo("block");
                }
                page.screenshot(SHOTS.resolve("phone-" + (route.length() > 2 ? route.substring(2) : "overview") + ".png"));
            }
        } finally {
            page.viewport(1280, 900, false);
        }
    }

    @Test
    @Order(13)
    void theStreamReaderParsesEventsSplitAnywhere() {
        // The page's own parser (sse.js) fed one byte at a time, then in odd chunks: CRLF, CR and LF line
        // ends, a comment, an event without a name, multi-line data, a retry and an id kept for resuming.
        String stream = "id: 7\r\nevent: agent.connected\r\ndata: {\"agentId\":\"a\"}\r\n\r\n"
                + ": keep-alive\n\nid: 8\revent: x\rdata: one\rdata: two\r\rretry: 2500\ndata: plain\n\n"
                + "id: 9\ndata: é€\n\n";
        String parse = "(async () => { const { EventStream } = await import('/dashboard/sse.js'); "
                + "const results = []; for (const size of [1, 3, 7, 1000]) { "
                + "const bytes = new TextEncoder().encode(" + JSON.writeValueAsString(stream) + "); "
                + "const body = new ReadableStream({ start(c) { for (let i = 0; i < bytes.length; i += size) "
                + "c.enqueue(bytes.slice(i, i + size)); c.close(); } }); "
                + "const events = []; const s = new EventStream({ onEvent: e => events.push(e), onState: () => {} }); "
                + "await s.read(body); results.push(JSON.stringify({ events, lastEventId: s.lastEventId, retry: s.retry })); } "
                + "return JSON.stringify(results); })()";
        JsonNode results = JSON.readTree(page.eval(parse));
        for (JsonNode result : results) {
            JsonNode parsed = JSON.readTree(result.asString());
            assertThat(parsed.get("events").toString()).isEqualTo("[{\"id\":\"7\",\"type\":\"agent.connected\","
                    + "\"data\":{\"agentId\":\"a\"}},{\"id\":\"8\",\"type\":\"x\",\"data\":\"one\\ntwo\"},"
                    + "{\"id\":\"8\",\"type\":\"message\",\"data\":\"plain\"},"
                    + "{\"id\":\"9\",\"type\":\"message\",\"data\":\"é€\"}]");
            assertThat(parsed.get("lastEventId").asString()).isEqualTo("9");
            assertThat(parsed.get("retry").asInt()).isEqualTo(2500);
        }
    }

    @Test
    @Order(14)
    void signingOutForgetsTheToken() {
        page.click("header button");
        page.waitForSelector("#token", LIVE);
        assertThat(page.eval("document.activeElement.id")).isEqualTo("token");
        assertThat(page.eval("sessionStorage.length")).isEqualTo("0");
        page.eval("location.reload()");
        page.waitForSelector("#token", LIVE);
    }

    @Test
    @Order(15)
    void noStepLeftAScriptErrorOrACspViolation() {
        assertThat(page.errors()).as("page errors (failed requests aside)")
                .filteredOn(error -> !error.startsWith("network:")).isEmpty();
    }

    /** Runs axe-core (from its WebJar, injected into the page: nothing is fetched) and fails on serious or critical violations. */
    private static void assertNoAccessibilityProblems(String what) {
        page.inject(axeSource());
        String violations = page.eval("axe.run(document, {resultTypes: ['violations']}).then(r => JSON.stringify("
                + "r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')"
                + ".map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(' '))}))))");
        assertThat(JSON.readTree(violations)).as("serious or critical axe violations on " + what + ": " + violations)
                .isEmpty();
    }

    private static String axe;

    private static synchronized String axeSource() {
        if (axe == null) {
            String path = new WebJarVersionLocator().fullPath("axe-core", "axe.min.js");
            try (InputStream in = DashboardIT.class.getClassLoader().getResourceAsStream(path)) {
                if (in == null) {
                    throw new IllegalStateException(path + " is not on the test classpath");
                }
                axe = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new IllegalStateException("cannot read " + path, e);
            }
        }
        return axe;
    }

    private static HttpResponse<String> fetch(String path) throws IOException, InterruptedException {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(base + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode get(String path) {
        return api.get().uri(path).exchange().expectStatus().isOk().expectBody(JsonNode.class).returnResult()
                .getResponseBody();
    }
}
