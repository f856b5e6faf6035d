package io.codehub.tunnel;

import static io.codehub.tunnel.HandshakeTestSupport.context;
import static io.codehub.tunnel.HandshakeTestSupport.hubChannel;
import static io.codehub.tunnel.HandshakeTestSupport.send;
import static io.codehub.tunnel.HandshakeTestSupport.ticker;
import static io.codehub.tunnel.HandshakeTestSupport.upgradeRequest;
import static io.codehub.tunnel.HandshakeTestSupport.written;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import io.codehub.tunnel.HandshakeTestSupport.InetEmbeddedChannel;
import io.codehub.tunnel.HandshakeTestSupport.Response;
import io.netty.util.concurrent.MockTicker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@ExtendWith(NoBufferLeaks.class)
class ServerHandshakeHandlerTest {

    private static final String KEY = "chk_agent-7_s3cr3t";
    private final MockTicker ticker = ticker();
    private final AtomicReference<HandshakeRequest> seen = new AtomicReference<>();
    private final List<HandshakeProblem> rejected = new ArrayList<>();
    private final List<TunnelSession> opened = new ArrayList<>();
    private final List<InetEmbeddedChannel> channels = new ArrayList<>();
    private final TunnelListener listener = new TunnelListener() {
        @Override
        public void sessionOpened(TunnelSession session) {
            opened.add(session);
        }

        @Override
        public void handshakeRejected(SocketAddress remoteAddress, HandshakeProblem problem, String detail) {
            rejected.add(problem);
        }
    };

    /** Accepts {@link #KEY} and tickets starting with "t-", issues ticket "t-next". */
    private final TunnelAuthenticator authenticator = request -> {
        seen.set(request);
        if (KEY.equals(request.apiKey())
                || (request.resumptionTicket() != null && request.resumptionTicket().startsWith("t-"))) {
            return CompletableFuture.completedFuture(AuthDecision.accept("agent-7", "t-next"));
        }
        return CompletableFuture.completedFuture(AuthDecision.reject(401, "unknown key", null));
    };

    @AfterEach
    void close() {
        for (InetEmbeddedChannel ch : channels) {
            written(ch);
            ch.finishAndReleaseAll();
        }
    }

    private InetEmbeddedChannel channel(ServerContext context) {
        return channel(context, "127.0.0.10");
    }

    private InetEmbeddedChannel channel(ServerContext context, String ip) {
        InetEmbeddedChannel ch = hubChannel(context, ip);
        channels.add(ch);
        return ch;
    }

    private ServerContext server(TunnelLimits limits) {
        return context(authenticator, limits, ticker, listener);
    }

    private Response answer(InetEmbeddedChannel ch, String request) {
        send(ch, request);
        ch.runPendingTasks();
        return Response.parse(written(ch));
    }

    @Test
    void acceptsApiKeySwitchesToHttp2AndIssuesTicket() {
        InetEmbeddedChannel ch = channel(server(TunnelLimits.defaults()));
        send(ch, upgradeRequest("Authorization: Bearer " + KEY));
        ch.runPendingTasks();
        String out = written(ch);

        Response response = Response.parse(out);
        assertThat(response.status()).isEqualTo(101);
        assertThat(response.header("Upgrade")).isEqualTo("codehub-tunnel/1");
        assertThat(response.header("Connection")).isEqualToIgnoringCase("upgrade");
        assertThat(response.header("Codehub-Session-Id")).matches("[A-Za-z0-9_-]{22}");
        assertThat(response.header("Codehub-Hub-Id")).isEqualTo("hub-1");
        assertThat(response.header("Codehub-Keepalive-Interval")).isEqualTo("15");
        assertThat(response.header("Codehub-Resumption-Ticket")).isEqualTo("t-next");
        // The hub is the HTTP/2 client: its connection preface follows the 101 at once.
        assertThat(out.substring(out.indexOf("\r\n\r\n") + 4)).startsWith("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
        assertThat(ch.pipeline().get(ServerHandshakeHandler.class)).isNull();
        assertThat(ch.pipeline().get(Http2Pipelines.CODEC)).isNotNull();
        assertThat(seen.get().apiKey()).isEqualTo(KEY);
        assertThat(seen.get().agentVersion()).isEqualTo("0.1.0");
        assertThat(seen.get().peerCertificates()).isEmpty();
        assertThat(opened).singleElement().satisfies(s -> {
            assertThat(s.agentId()).isEqualTo("agent-7");
            assertThat(s.openedAt()).isEqualTo(HandshakeTestSupport.CLOCK.instant());
            assertThat(s.isActive()).isTrue();
        });
    }

    @Test
    void theAgentsDescriptionReachesTheAuthenticatorAndTheSession() {
        InetEmbeddedChannel ch = channel(server(TunnelLimits.defaults()));
        Response response = answer(ch, upgradeRequest("Authorization: Bearer " + KEY, "Codehub-Agent-Os: linux",
                "Codehub-Agent-Arch: amd64", "Codehub-Agent-Runtime: docker",
                "Codehub-Agent-Backend-Version: Docker Engine 20.10.24 (API 1.41)"));
        assertThat(response.status()).isEqualTo(101);
        AgentDescription expected = new AgentDescription("linux", "amd64", "docker", "Docker Engine 20.10.24 (API 1.41)");
        assertThat(seen.get().description()).isEqualTo(expected);
        assertThat(opened).singleElement().satisfies(session -> assertThat(session.description()).isEqualTo(expected));

        Response plain = answer(channel(server(TunnelLimits.defaults())), upgradeRequest("Authorization: Bearer " + KEY));
        assertThat(plain.status()).isEqualTo(101);
        assertThat(seen.get().description()).isEqualTo(AgentDescription.NONE);
    }

    @Test
    void theAgentsClockOffsetIsMeasuredAgainstTheServersClockAndAGarbledOneIsIgnored() {
        long hubMillis = HandshakeTestSupport.CLOCK.millis();
        InetEmbeddedChannel ch = channel(server(TunnelLimits.defaults()));
        Response response = answer(ch, upgradeRequest("Authorization: Bearer " + KEY,
                "Codehub-Agent-Time: " + (hubMillis - 300_000)));
        assertThat(response.status()).isEqualTo(101);
        assertThat(opened).singleElement()
                .satisfies(session -> assertThat(session.agentClockOffset()).isEqualTo(Duration.ofMinutes(-5)));

        opened.clear();
        Response garbled = answer(channel(server(TunnelLimits.defaults())),
                upgradeRequest("Authorization: Bearer " + KEY, "Codehub-Agent-Time: 12:00"));
        assertThat(garbled.status()).as("the time is informational: a garbled one is ignored").isEqualTo(101);
        assertThat(opened).singleElement().satisfies(session -> assertThat(session.agentClockOffset()).isNull());
    }

    @Test
    void anOverlongOrUnprintableDescriptionIs400() {
        Response longOs = answer(channel(server(TunnelLimits.defaults())),
                upgradeRequest("Authorization: Bearer " + KEY, "Codehub-Agent-Os: " + "x".repeat(65)));
        assertThat(longOs.status()).isEqualTo(400);
        assertThat(longOs.body()).contains("Codehub-Agent-Os");
        Response longBackend = answer(channel(server(TunnelLimits.defaults())),
                upgradeRequest("Authorization: Bearer " + KEY, "Codehub-Agent-Backend-Version: " + "x".repeat(257)));
        assertThat(longBackend.status()).isEqualTo(400);
        assertThat(AgentDescription.sanitized(" linux\u00e9 ", "a".repeat(100), "", null))
                .isEqualTo(new AgentDescription("linux?", "a".repeat(64), null, null));
    }

    @Test
    void acceptsResumptionTicketWithoutApiKey() {
        InetEmbeddedChannel ch = channel(server(TunnelLimits.defaults()));
        Response response = answer(ch, upgradeRequest("Codehub-Resumption-Ticket: t-abc.DEF_123"));
        assertThat(response.status()).isEqualTo(101);
        assertThat(seen.get().apiKey()).isNull();
        assertThat(seen.get().resumptionTicket()).isEqualTo("t-abc.DEF_123");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "POST /v1/tunnel HTTP/1.1\\r\\nHost: h\\r\\nConnection: Upgrade\\r\\nUpgrade: codehub-tunnel/1\\r\\nCodehub-Agent-Version: 1\\r\\nAuthorization: Bearer k\\r\\nContent-Length: 0\\r\\n\\r\\n|400|tunnel-malformed-handshake",
        "GET /v1/tunnel HTTP/1.1\\r\\nConnection: Upgrade\\r\\nUpgrade: codehub-tunnel/1\\r\\nCodehub-Agent-Version: 1\\r\\nAuthorization: Bearer k\\r\\n\\r\\n|400|tunnel-malformed-handshake",
        "GET /v1/tunnel HTTP/1.1\\r\\nHost: h\\r\\nUpgrade: codehub-tunnel/1\\r\\nCodehub-Agent-Version: 1\\r\\nAuthorization: Bearer k\\r\\n\\r\\n|400|tunnel-malformed-handshake",
        "GET /v1/tunnel HTTP/1.1\\r\\nHost: h\\r\\nConnection: Upgrade\\r\\nUpgrade: codehub-tunnel/1\\r\\nAuthorization: Bearer k\\r\\n\\r\\n|400|tunnel-malformed-handshake",
        "GET /v1/tunnel HTTP/1.1\\r\\nHost: h\\r\\nConnection: Upgrade\\r\\nUpgrade: codehub-tunnel/1\\r\\nCodehub-Agent-Version: 1\\r\\nContent-Length: 3\\r\\n\\r\\nabc|400|tunnel-malformed-handshake",
        "GET /v1/other HTTP/1.1\\r\\nHost: h\\r\\nConnection: Upgrade\\r\\nUpgrade: codehub-tunnel/1\\r\\nCodehub-Agent-Version: 1\\r\\n\\r\\n|404|tunnel-not-found",
        "GET /v1/tunnel HTTP/1.1\\r\\nHost: h\\r\\nConnection: Upgrade\\r\\nUpgrade: codehub-tunnel/2\\r\\nCodehub-Agent-Version: 1\\r\\n\\r\\n|426|tunnel-unsupported-version",
        "GET /v1/tunnel HTTP/1.1\\r\\nHost: h\\r\\nConnection: Upgrade\\r\\nCodehub-Agent-Version: 1\\r\\n\\r\\n|426|tunnel-unsupported-version",
        "GET /v1/tunnel HTTP/1.1\\r\\nHost: h\\r\\nConnection: Upgrade\\r\\nUpgrade: codehub-tunnel/1\\r\\nCodehub-Agent-Version: 1\\r\\n\\r\\n|401|tunnel-unauthorized",
        "GET /v1/tunnel HTTP/1.1\\r\\nHost: h\\r\\nConnection: Upgrade\\r\\nUpgrade: codehub-tunnel/1\\r\\nCodehub-Agent-Version: 1\\r\\nAuthorization: Basic dTpw\\r\\n\\r\\n|401|tunnel-unauthorized",
        "GET /v1/tunnel HTTP/1.1\\r\\nHost: h\\r\\nConnection: Upgrade\\r\\nUpgrade: codehub-tunnel/1\\r\\nCodehub-Agent-Version: 1\\r\\nAuthorization: Bearer wrong\\r\\n\\r\\n|401|tunnel-unauthorized",
    })
    void rejectsWithProblemJson(String request, int status, String slug) {
        InetEmbeddedChannel ch = channel(server(TunnelLimits.defaults()));
        Response response = answer(ch, request.replace("\\r\\n", "\r\n"));

        assertThat(response.status()).isEqualTo(status);
        assertThat(response.header("Content-Type")).isEqualTo("application/problem+json");
        assertThat(response.body()).startsWith("{\"type\":\"urn:codehub:problem:" + slug + "\"")
                .contains("\"status\":" + status);
        assertThat(ch.isOpen()).as("closed after the problem").isFalse();
        assertThat(opened).isEmpty();
        if (status == 426) {
            assertThat(response.header("Upgrade")).isEqualTo("codehub-tunnel/1");
        }
        if (status == 401) {
            assertThat(response.header("WWW-Authenticate")).startsWith("Bearer");
        }
        assertThat(rejected).extracting(HandshakeProblem::status).containsExactly(status);
    }

    @Test
    void authenticatorRejectionsCarryStatusDetailAndRetryAfter() {
        TunnelAuthenticator forbidding = request -> CompletableFuture.completedFuture(
                "chk_disabled".equals(request.apiKey())
                        ? AuthDecision.reject(403, "agent disabled", null)
                        : AuthDecision.reject(429, "slow down", Duration.ofMillis(2500)));
        ServerContext context = context(forbidding, TunnelLimits.defaults(), ticker);

        Response forbidden = answer(channel(context), upgradeRequest("Authorization: Bearer chk_disabled"));
        assertThat(forbidden.status()).isEqualTo(403);
        assertThat(forbidden.body()).contains("\"detail\":\"agent disabled\"");

        Response limited = answer(channel(context), upgradeRequest("Authorization: Bearer chk_other"));
        assertThat(limited.status()).isEqualTo(429);
        assertThat(limited.header("Retry-After")).isEqualTo("3");
    }

    @Test
    void oversizedHeadersGet431() {
        InetEmbeddedChannel ch = channel(server(TunnelLimits.builder().maxHandshakeHeaderBytes(1024).build()));
        Response response = answer(ch, upgradeRequest("Authorization: Bearer " + KEY, "X-Padding: " + "a".repeat(2000)));
        assertThat(response.status()).isEqualTo(431);
        assertThat(response.body()).contains("tunnel-headers-too-large");
        assertThat(seen.get()).as("authenticator never ran").isNull();
    }

    @Test
    void handshakeTimeoutAnswers408AndCloses() {
        InetEmbeddedChannel ch = channel(server(TunnelLimits.builder().handshakeTimeout(Duration.ofSeconds(10)).build()));
        send(ch, "GET /v1/tunnel HTTP/1.1\r\nHost: h\r\n");

        ch.advanceTimeBy(9_999, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        assertThat(ch.isOpen()).isTrue();
        assertThat(written(ch)).isEmpty();

        ch.advanceTimeBy(1, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        Response response = Response.parse(written(ch));
        assertThat(response.status()).isEqualTo(408);
        assertThat(response.body()).contains("tunnel-handshake-timeout");
        assertThat(ch.isOpen()).isFalse();
    }

    @Test
    void slowAuthenticatorHitsTheHandshakeTimeoutWith503() {
        CompletableFuture<AuthDecision> never = new CompletableFuture<>();
        ServerContext context = context(request -> never, TunnelLimits.defaults(), ticker);
        InetEmbeddedChannel ch = channel(context);
        send(ch, upgradeRequest("Authorization: Bearer " + KEY));
        ch.advanceTimeBy(10, TimeUnit.SECONDS);
        ch.runScheduledPendingTasks();

        Response response = Response.parse(written(ch));
        assertThat(response.status()).isEqualTo(503);
        assertThat(response.header("Retry-After")).isEqualTo("7");
        never.complete(AuthDecision.accept("late", null));
        ch.runPendingTasks();
        assertThat(written(ch)).as("a late decision changes nothing").isEmpty();
    }

    @Test
    void failedAuthenticatorAnswers503() {
        ServerContext context = context(request -> CompletableFuture.failedFuture(new IllegalStateException("db down")),
                TunnelLimits.defaults(), ticker);
        Response response = answer(channel(context), upgradeRequest("Authorization: Bearer " + KEY));
        assertThat(response.status()).isEqualTo(503);
        assertThat(response.body()).contains("tunnel-unavailable").doesNotContain("db down");
    }

    @Test
    void failedAuthenticationsFromOneSourceAreRateLimitedBeforeTheAuthenticator() {
        ServerContext context = server(TunnelLimits.builder()
                .failedAuthBurst(3).failedAuthRefillPeriod(Duration.ofSeconds(20)).build());
        for (int i = 0; i < 3; i++) {
            assertThat(answer(channel(context), upgradeRequest("Authorization: Bearer bad")).status()).isEqualTo(401);
        }
        seen.set(null);
        Response limited = answer(channel(context), upgradeRequest("Authorization: Bearer " + KEY));
        assertThat(limited.status()).isEqualTo(429);
        assertThat(limited.header("Retry-After")).isEqualTo("20");
        assertThat(seen.get()).as("no authenticator call while limited").isNull();

        assertThat(answer(channel(context, "127.0.0.99"), upgradeRequest("Authorization: Bearer " + KEY)).status())
                .as("another source is not affected").isEqualTo(101);

        ticker.advance(20, TimeUnit.SECONDS);
        assertThat(answer(channel(context), upgradeRequest("Authorization: Bearer " + KEY)).status())
                .as("one attempt earned back").isEqualTo(101);
    }

    @Test
    void aBusyAuthenticatorAnswers503WithRetryAfterAndSpendsNoFailedAuthBudget() {
        TunnelAuthenticator busy = request -> CompletableFuture.completedFuture(
                AuthDecision.reject(503, "too many key checks in progress", Duration.ofSeconds(2)));
        ServerContext context = context(busy, TunnelLimits.builder().failedAuthBurst(2).build(), ticker);
        for (int i = 0; i < 5; i++) {
            Response response = answer(channel(context), upgradeRequest("Authorization: Bearer " + KEY));
            assertThat(response.status()).as("attempt %d", i).isEqualTo(503);
            assertThat(response.header("Retry-After")).isEqualTo("2");
            assertThat(response.body()).contains("tunnel-unavailable");
        }
    }

    @Test
    void drainingHubAnswers503WithRetryAfter() {
        ServerContext context = server(TunnelLimits.defaults());
        context.startDraining();
        Response response = answer(channel(context), upgradeRequest("Authorization: Bearer " + KEY));
        assertThat(response.status()).isEqualTo(503);
        assertThat(response.header("Retry-After")).isEqualTo("7");
        assertThat(seen.get()).isNull();
    }

    @Test
    void fullHubAnswers503() {
        ServerContext context = server(TunnelLimits.builder().maxTunnels(1).build());
        assertThat(answer(channel(context), upgradeRequest("Authorization: Bearer " + KEY)).status()).isEqualTo(101);
        Response response = answer(channel(context, "127.0.0.11"), upgradeRequest("Authorization: Bearer " + KEY));
        assertThat(response.status()).isEqualTo(503);
        assertThat(response.body()).contains("tunnel limit");
    }

    @Test
    void aFullHubStillLetsAnAgentWithATicketReplaceItsOwnSession() {
        ServerContext context = server(TunnelLimits.builder().maxTunnels(1).build());
        assertThat(answer(channel(context), upgradeRequest("Authorization: Bearer " + KEY)).status()).isEqualTo(101);

        Response reconnect = answer(channel(context, "127.0.0.13"), upgradeRequest("Codehub-Resumption-Ticket: t-next"));

        assertThat(reconnect.status()).as("agent-7 replaces its own session").isEqualTo(101);
        assertThat(context.registry.size()).isEqualTo(1);
    }

    @Test
    void newSessionOfTheSameAgentReplacesTheOldOneWithGoAway() {
        ServerContext context = server(TunnelLimits.defaults());
        InetEmbeddedChannel first = channel(context);
        assertThat(answer(first, upgradeRequest("Authorization: Bearer " + KEY)).status()).isEqualTo(101);
        InetEmbeddedChannel second = channel(context, "127.0.0.12");
        assertThat(answer(second, upgradeRequest("Authorization: Bearer " + KEY)).status()).isEqualTo(101);
        first.runPendingTasks();

        assertThat(first.isOpen()).as("old session closed").isFalse();
        assertThat(second.isOpen()).isTrue();
        assertThat(context.registry.find("agent-7")).get().isSameAs(opened.get(1));
        assertThat(opened.get(0).isActive()).isFalse();
    }
}
