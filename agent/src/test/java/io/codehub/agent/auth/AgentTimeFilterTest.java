package io.codehub.agent.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;

import org.junit.jupiter.api.Test;
import org.springframework.http.HttpStatus;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import reactor.core.publisher.Mono;

class AgentTimeFilterTest {

    private static final Instant NOW = Instant.parse("2026-12-05T17:00:00.123Z");

    @Test
    void everyAnswerCarriesTheAgentsClockInMillisecondsARefusalToo() {
        AgentTimeFilter filter = new AgentTimeFilter(Clock.fixed(NOW, ZoneOffset.UTC));
        MockServerWebExchange refused = MockServerWebExchange.from(MockServerHttpRequest.get("/instances"));
        filter.filter(refused, exchange -> {
            exchange.getResponse().setStatusCode(HttpStatus.UNAUTHORIZED);
            exchange.getResponse().getHeaders().clear(); // as a handler that starts its answer afresh
            return exchange.getResponse().setComplete();
        }).block(Duration.ofSeconds(5));
        assertThat(refused.getResponse().getHeaders().getFirst("Codehub-Agent-Time")).isEqualTo("1796490000123");

        MockServerWebExchange ok = MockServerWebExchange.from(MockServerHttpRequest.get("/health"));
        filter.filter(ok, exchange -> exchange.getResponse().writeWith(Mono.just(exchange.getResponse().bufferFactory()
                .wrap("{}".getBytes(StandardCharsets.UTF_8))))).block(Duration.ofSeconds(5));
        assertThat(ok.getResponse().getHeaders().getFirst("Codehub-Agent-Time"))
                .isEqualTo(Long.toString(NOW.toEpochMilli()));
    }
}
