package io.codehub.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import io.codehub.runtime.ConflictException;
import io.codehub.runtime.ProblemType;
import org.junit.jupiter.api.Test;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebInputException;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class WebSupportTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private final ProblemResponses problems = new ProblemResponses(JSON);
    private final ProblemWebExceptionHandler handler = new ProblemWebExceptionHandler(problems, "agent", List.of(
            (exchange, failure) -> failure instanceof IllegalStateException
                    ? new Problem(java.net.URI.create("urn:codehub:problem:custom"), "Custom", 418, "mine") : null));

    @Test
    void runtimeProblemsKeepTheirType() {
        JsonNode body = handle(new ConflictException(ProblemType.VOLUME_IN_USE, "volume x is used by y"), 409);
        assertThat(body.get("type").asString()).isEqualTo("urn:codehub:problem:volume-in-use");
        assertThat(body.get("detail").asString()).isEqualTo("volume x is used by y");
        assertThat(body.get("instance").asString()).isEqualTo("/volumes/x");
    }

    @Test
    void applicationMappersComeFirst() {
        assertThat(handle(new IllegalStateException("boom"), 418).get("detail").asString()).isEqualTo("mine");
    }

    @Test
    void frameworkFailuresGetStableTypes() {
        assertThat(handle(new ServerWebInputException("bad"), 400).get("type").asString())
                .isEqualTo("urn:codehub:problem:malformed-request");
        assertThat(handle(new ResponseStatusException(HttpStatus.NOT_FOUND), 404).get("detail").asString())
                .isEqualTo("no agent API route DELETE /volumes/x");
        assertThat(handle(new RuntimeException(new DataBufferLimitException("limit")), 413).get("type").asString())
                .isEqualTo("urn:codehub:problem:payload-too-large");
    }

    @Test
    void unexpectedFailuresAreInternalWithAnIncidentId() {
        assertThat(handle(new NullPointerException("secret state"), 500).get("detail").asString())
                .startsWith("unexpected failure; the agent log has incident ").doesNotContain("secret state");
    }

    @Test
    void detailsAreCapped() {
        JsonNode body = handle(new ConflictException(ProblemType.VOLUME_IN_USE, "x".repeat(5000)), 409);
        assertThat(body.get("detail").asString()).hasSize(ProblemResponses.MAX_DETAIL_LENGTH + 3);
    }

    @Test
    void bearerFilterRefusesAndPassesAsTheCheckSays() {
        BearerTokenFilter filter = new BearerTokenFilter(path -> path.startsWith("/api/"),
                token -> token.equals("good") ? null : "not the token", "<admin token>", problems);
        assertThat(filtered(filter, MockServerHttpRequest.get("/api/x").header(HttpHeaders.AUTHORIZATION, "Bearer good")))
                .isTrue();
        assertThat(filtered(filter, MockServerHttpRequest.get("/open"))).isTrue();
        MockServerWebExchange refused = MockServerWebExchange.from(
                MockServerHttpRequest.get("/api/x").header(HttpHeaders.AUTHORIZATION, "Bearer bad"));
        filter.filter(refused, exchange -> Mono.empty()).block(Duration.ofSeconds(5));
        assertThat(refused.getResponse().getStatusCode()).isEqualTo(HttpStatus.UNAUTHORIZED);
        assertThat(refused.getResponse().getHeaders().getFirst(HttpHeaders.WWW_AUTHENTICATE)).startsWith("Bearer");
        assertThat(refused.getResponse().getBodyAsString().block()).contains("not the token").doesNotContain("bad\"");
        MockServerWebExchange missing = MockServerWebExchange.from(MockServerHttpRequest.get("/api/x"));
        filter.filter(missing, exchange -> Mono.empty()).block(Duration.ofSeconds(5));
        assertThat(missing.getResponse().getBodyAsString().block()).contains("expected: Bearer <admin token>");
    }

    @Test
    void bodyLimitFilterRefusesDeclaredOversizedBodies() {
        BodyLimitFilter filter = new BodyLimitFilter(100, problems);
        assertThat(filtered(filter, MockServerHttpRequest.post("/x").contentLength(100))).isTrue();
        MockServerWebExchange big = MockServerWebExchange.from(MockServerHttpRequest.post("/x").contentLength(101));
        filter.filter(big, exchange -> Mono.empty()).block(Duration.ofSeconds(5));
        assertThat(big.getResponse().getStatusCode().value()).isEqualTo(413);
    }

    private JsonNode handle(Throwable failure, int expectedStatus) {
        MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.delete("/volumes/x"));
        handler.handle(exchange, failure).block(Duration.ofSeconds(5));
        assertThat(exchange.getResponse().getStatusCode().value()).isEqualTo(expectedStatus);
        assertThat(exchange.getResponse().getHeaders().getContentType().toString()).isEqualTo("application/problem+json");
        return JSON.readTree(exchange.getResponse().getBodyAsString().block());
    }

    private static boolean filtered(WebFilter filter, MockServerHttpRequest.BaseBuilder<?> request) {
        AtomicBoolean passed = new AtomicBoolean();
        WebFilterChain chain = exchange -> Mono.fromRunnable(() -> passed.set(true));
        filter.filter(MockServerWebExchange.from(request), chain).block(Duration.ofSeconds(5));
        return passed.get();
    }
}
