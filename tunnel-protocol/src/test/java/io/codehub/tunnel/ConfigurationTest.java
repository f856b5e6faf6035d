package io.codehub.tunnel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import io.codehub.base.Backoff;
import org.junit.jupiter.api.Test;

/** Validation messages of every config and value type, and no secrets in toString. */
class ConfigurationTest {

    @Test
    void limitsRejectBadValuesNamingThem() {
        assertThatThrownBy(() -> TunnelLimits.builder().maxConcurrentStreams(0))
                .hasMessage("maxConcurrentStreams: 0 (expected: > 0)");
        assertThatThrownBy(() -> TunnelLimits.builder().maxFrameSize(1000))
                .hasMessage("maxFrameSize: 1000 (expected: 16384..16777215)");
        assertThatThrownBy(() -> TunnelLimits.builder().handshakeTimeout(Duration.ZERO))
                .hasMessage("handshakeTimeout: PT0S (expected: > 0)");
        assertThatThrownBy(() -> TunnelLimits.builder().rstWindow(Duration.ofMillis(1500)))
                .hasMessage("rstWindow: PT1.5S (expected: whole seconds)");
        assertThatThrownBy(() -> TunnelLimits.builder().maxHandshakeHeaderBytes(100))
                .hasMessage("maxHandshakeHeaderBytes: 100 (expected: 1024..65536)");
        assertThatThrownBy(() -> TunnelLimits.builder().maxControlFramesPerWindow(0))
                .hasMessage("maxControlFramesPerWindow: 0 (expected: > 0)");
        assertThatThrownBy(() -> TunnelLimits.builder().controlFrameWindow(Duration.ZERO))
                .hasMessage("controlFrameWindow: PT0S (expected: > 0)");
    }

    @Test
    void limitsHaveTheDocumentedDefaultsAndCopyOnWrite() {
        TunnelLimits d = TunnelLimits.defaults();
        assertThat(d.handshakeTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(d.maxHandshakeHeaderBytes()).isEqualTo(8192);
        assertThat(d.maxConcurrentStreams()).isEqualTo(4096);
        assertThat(d.maxHeaderListSize()).isEqualTo(16384);
        assertThat(d.maxFrameSize()).isEqualTo(256 * 1024);
        assertThat(d.initialWindowSize()).isEqualTo(1 << 20);
        assertThat(d.streamIdleTimeout()).isEqualTo(Duration.ofMinutes(5));
        assertThat(d.maxTunnels()).isEqualTo(10_000);
        assertThat(d.maxControlFramesPerWindow()).isEqualTo(1000);
        assertThat(d.controlFrameWindow()).isEqualTo(Duration.ofSeconds(10));
        TunnelLimits changed = d.toBuilder().maxTunnels(5).build();
        assertThat(changed.maxTunnels()).isEqualTo(5);
        assertThat(d.maxTunnels()).isEqualTo(10_000);
        assertThat(changed.toString()).contains("maxTunnels=5");
    }

    @Test
    void keepaliveAndBackoffValidate() {
        assertThat(Keepalive.DEFAULT).isEqualTo(new Keepalive(Duration.ofSeconds(15), Duration.ofSeconds(9)));
        assertThat(Keepalive.DEFAULT.agentIdleTimeout()).isEqualTo(Duration.ofSeconds(45));
        assertThat(Keepalive.RELAY).isEqualTo(new Keepalive(Duration.ofSeconds(5), Duration.ofSeconds(9)));
        assertThat(Keepalive.withInterval(Duration.ofSeconds(30)))
                .isEqualTo(new Keepalive(Duration.ofSeconds(30), Duration.ofSeconds(9)));
        assertThat(Keepalive.withInterval(Duration.ofSeconds(2)))
                .as("the ACK timeout stays within two intervals")
                .isEqualTo(new Keepalive(Duration.ofSeconds(2), Duration.ofSeconds(4)));
        assertThatThrownBy(() -> Keepalive.withInterval(Duration.ofMillis(2500)))
                .hasMessage("interval: PT2.5S (expected: whole seconds)");
        assertThatThrownBy(() -> Keepalive.withInterval(null)).hasMessage("interval: null (expected: > 0)");
        assertThatThrownBy(() -> Keepalive.withInterval(Duration.ofSeconds(3601)))
                .hasMessage("interval: PT1H1S (expected: <= PT1H, which agents accept)");
        assertThatThrownBy(() -> new Keepalive(Duration.ofMillis(1500), Duration.ofSeconds(1)))
                .hasMessage("interval: PT1.5S (expected: whole seconds)");
        assertThatThrownBy(() -> new Keepalive(Duration.ofSeconds(5), Duration.ofSeconds(11)))
                .hasMessage("ackTimeout: PT11S (expected: <= two intervals, PT10S)");
        assertThatThrownBy(() -> Backoff.exponential(Duration.ofSeconds(2), Duration.ofSeconds(1)))
                .hasMessage("cap: PT1S (expected: >= base PT2S)");
        assertThatThrownBy(() -> TunnelConnectorBuilder.DEFAULT_BACKOFF.ceiling(-1))
                .hasMessage("retry: -1 (expected: >= 0)");
        assertThatThrownBy(() -> TunnelConnector.builder().healthyAfter(Duration.ZERO))
                .hasMessage("healthyAfter: PT0S (expected: > 0)");
        assertThatThrownBy(() -> TunnelConnector.builder().drainJitter(Duration.ofSeconds(-1)))
                .hasMessage("drainJitter: PT-1S (expected: >= 0)");
    }

    @Test
    void credentialsNeverAppearInToString() {
        HandshakeRequest request = new HandshakeRequest("chk_a_SECRET", "TICKET-SECRET", "1.0",
                new InetSocketAddress("127.0.0.1", 1), List.of());
        assertThat(request.toString()).doesNotContain("SECRET").contains("apiKey=present");
        assertThat(AuthDecision.accept("agent-1", "TICKET-SECRET").toString()).doesNotContain("SECRET");
        assertThat(HubAddress.proxy(URI.create("http://user:p%40SECRET@127.0.0.1:3128")).toString())
                .isEqualTo("http://user:***@127.0.0.1:3128");
        assertThatThrownBy(() -> HubAddress.proxy(URI.create("socks5://user:SECRET@127.0.0.1:1080")))
                .hasMessageNotContaining("SECRET");
        assertThatThrownBy(() -> TunnelConnector.builder().apiKey("has space SECRET"))
                .hasMessageNotContaining("SECRET");
    }

    @Test
    void decisionsValidate() {
        assertThatThrownBy(() -> AuthDecision.reject(500, "x", null))
                .hasMessage("status: 500 (expected: 401, 403, 429 or 503)");
        assertThatThrownBy(() -> AuthDecision.reject(429, "x", null))
                .hasMessage("retryAfter: null (expected: set for 429 and 503)");
        assertThatThrownBy(() -> AuthDecision.accept("has space", null)).hasMessageStartingWith("agentId:");
        assertThatThrownBy(() -> new HandshakeRequest(null, null, "1", new InetSocketAddress("127.0.0.1", 1), List.of()))
                .hasMessageStartingWith("credentials: none");
    }

    @Test
    void hubAndProxyUrisParse() {
        HubAddress hub = HubAddress.hub(URI.create("tls://hub.example:7443"));
        assertThat(hub.tls()).isTrue();
        assertThat(hub.authority()).isEqualTo("hub.example:7443");
        assertThat(HubAddress.hub(URI.create("tcp://[::1]:7443")).authority()).isEqualTo("[::1]:7443");
        assertThatThrownBy(() -> HubAddress.hub(URI.create("https://hub.example:7443")))
                .hasMessageContaining("expected: tcp://host:port or tls://host:port");
        assertThatThrownBy(() -> HubAddress.hub(URI.create("tcp://hub.example")))
                .hasMessageContaining("expected: tcp://host:port");
    }

    @Test
    void proxyUrisParseWithTheirUserInfo() {
        HttpProxy proxy = HttpProxy.of(URI.create("http://u%3Aser:pa%2Bss+@127.0.0.1:3128"));
        assertThat(proxy.host()).isEqualTo("127.0.0.1");
        assertThat(proxy.port()).isEqualTo(3128);
        assertThat(proxy.user()).isEqualTo("u:ser");
        assertThat(proxy.password()).as("a '+' is a plus, not a space").isEqualTo("pa+ss+");
        assertThat(proxy.hasCredentials()).isTrue();
        assertThat(proxy.toString()).isEqualTo("http://u:ser:***@127.0.0.1:3128").doesNotContain("pa+ss");
        HttpProxy anonymous = HttpProxy.of(URI.create("http://[::1]:3128"));
        assertThat(anonymous.host()).isEqualTo("::1");
        assertThat(anonymous.user()).isEmpty();
        assertThat(anonymous.password()).isEmpty();
        assertThat(anonymous.hasCredentials()).isFalse();
        assertThat(HttpProxy.of(URI.create("http://user@proxy.example:8080")).password()).isEmpty();
        assertThatThrownBy(() -> HttpProxy.of(URI.create("socks5://u:secret@127.0.0.1:1080")))
                .hasMessage("proxy: socks5://***@127.0.0.1:1080 (expected: http://[user:password@]host:port)");
        assertThatThrownBy(() -> HttpProxy.of(URI.create("http://u:secret@127.0.0.1")))
                .hasMessage("proxy: http://***@127.0.0.1:-1 (expected: http://host:port)");
    }

    @Test
    void theProxyComesFromHttpsProxyThenHttpsProxyLowerCase() {
        assertThat(HttpProxy.fromEnvironment(Map.of())).isNull();
        assertThat(HttpProxy.fromEnvironment(Map.of("HTTPS_PROXY", " "))).isNull();
        assertThat(HttpProxy.fromEnvironment(Map.of("https_proxy", " http://127.0.0.1:3128 ")))
                .isEqualTo(HttpProxy.of(URI.create("http://127.0.0.1:3128")));
        assertThat(HttpProxy.fromEnvironment(Map.of("HTTPS_PROXY", "http://upper:1", "https_proxy", "http://lower:2")).host())
                .isEqualTo("upper");
        assertThatThrownBy(() -> HttpProxy.fromEnvironment(Map.of("HTTPS_PROXY", "http://u:se cret@proxy:1")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("HTTPS_PROXY: not a URI (")
                .hasMessageNotContaining("se cret");
    }

    @Test
    void buildersRequireWhatTheyNeed() {
        assertThatThrownBy(() -> TunnelServer.builder().hubId("h").authenticator(r -> new CompletableFuture<>()).build())
                .hasMessageStartingWith("bindAddress: not set");
        assertThatThrownBy(() -> TunnelServer.builder().hubId("bad\nid"))
                .hasMessageContaining("expected: 1 to 64 printable ASCII characters");
        assertThatThrownBy(() -> TunnelConnector.builder().hubUri(URI.create("tls://127.0.0.1:1")).agentVersion("1")
                .apiKey("k").streamHandlerFactory(TunnelTestKit.echo()).build())
                .hasMessageStartingWith("sslContext: not set");
        assertThatThrownBy(() -> TunnelConnector.builder().hubUri(URI.create("tcp://127.0.0.1:1")).agentVersion("1")
                .streamHandlerFactory(TunnelTestKit.echo()).build())
                .hasMessageStartingWith("apiKey: not set");
        TunnelConnectorBuilder noProxy = TunnelConnector.builder().proxyFromEnvironment(Map.of("HTTPS_PROXY", " "));
        assertThat(noProxy.proxy).isNull();
        assertThat(TunnelConnector.builder().proxyFromEnvironment(Map.of("https_proxy", "http://127.0.0.1:3128")).proxy)
                .isNotNull();
    }

    @Test
    void problemBodiesRoundTripAndEscape() {
        String json = new String(ProblemBodies.encode(HandshakeProblem.FORBIDDEN, "say \"no\"\n\\ \u0001"),
                java.nio.charset.StandardCharsets.UTF_8);
        assertThat(json).startsWith("{\"type\":\"urn:codehub:problem:tunnel-forbidden\",\"title\":\"Forbidden\","
                + "\"status\":403,");
        assertThat(ProblemBodies.stringMember(json, "detail")).isEqualTo("say \"no\"\n\\ \u0001");
        assertThat(ProblemBodies.stringMember(json, "type")).isEqualTo(HandshakeProblem.FORBIDDEN.uri().toString());
        assertThat(ProblemBodies.stringMember("{\"status\": 403}", "status")).isNull();
        assertThat(ProblemBodies.stringMember("{\"detail\": \"unterminated", "detail")).isNull();
        assertThat(HandshakeProblem.fromUri("urn:codehub:problem:tunnel-unauthorized"))
                .isEqualTo(HandshakeProblem.UNAUTHORIZED);
        assertThat(HandshakeResponses.retryAfterSeconds(Duration.ofMillis(1))).isEqualTo(1);
        assertThat(HandshakeResponses.retryAfterSeconds(Duration.ofMillis(2001))).isEqualTo(3);
    }

    @Test
    void handshakeProblemTypesAreThePublishedOnes() {
        // agents match on these bytes: a change breaks every agent already deployed
        assertThat(java.util.Arrays.stream(HandshakeProblem.values()).map(p -> p.uri().toString() + " " + p.status()))
                .containsExactly(
                        "urn:codehub:problem:tunnel-malformed-handshake 400",
                        "urn:codehub:problem:tunnel-unauthorized 401",
                        "urn:codehub:problem:tunnel-forbidden 403",
                        "urn:codehub:problem:tunnel-not-found 404",
                        "urn:codehub:problem:tunnel-method-not-allowed 405",
                        "urn:codehub:problem:tunnel-handshake-timeout 408",
                        "urn:codehub:problem:tunnel-body-too-large 413",
                        "urn:codehub:problem:tunnel-unsupported-version 426",
                        "urn:codehub:problem:tunnel-rate-limited 429",
                        "urn:codehub:problem:tunnel-headers-too-large 431",
                        "urn:codehub:problem:tunnel-unavailable 503");
    }

    @Test
    void headerValueSyntax() {
        assertThat(HeaderValues.isToken68("abc-._~+/==", 64)).isTrue();
        assertThat(HeaderValues.isToken68("a=b", 64)).isFalse();
        assertThat(HeaderValues.isToken68("=", 64)).isFalse();
        assertThat(HeaderValues.isToken68("a".repeat(65), 64)).isFalse();
        assertThat(HeaderValues.isPrintable("agent 1.0", 64)).isTrue();
        assertThat(HeaderValues.isPrintable("bad\r\nx", 64)).isFalse();
    }

    @Test
    void connectAuthoritiesParse() {
        assertThat(ConnectRelay.host("127.0.0.1:8080")).isEqualTo("127.0.0.1");
        assertThat(ConnectRelay.port("127.0.0.1:8080")).isEqualTo(8080);
        assertThat(ConnectRelay.host("[::1]:22")).isEqualTo("::1");
        assertThat(ConnectRelay.port("[::1]:22")).isEqualTo(22);
        assertThat(ConnectRelay.host("::1:22")).isNull();
        assertThat(ConnectRelay.host("a b:1")).isNull();
        assertThat(ConnectRelay.port("host:0")).isEqualTo(-1);
        assertThat(ConnectRelay.port("host:65536")).isEqualTo(-1);
        assertThat(ConnectRelay.port("host")).isEqualTo(-1);
    }
}
