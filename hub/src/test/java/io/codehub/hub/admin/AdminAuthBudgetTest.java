package io.codehub.hub.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import io.codehub.web.ProblemResponses;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpStatus;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.web.server.WebFilterChain;
import tools.jackson.databind.json.JsonMapper;

class AdminAuthBudgetTest {

    private final AtomicLong now = new AtomicLong();
    private final AdminAuthBudget budget = new AdminAuthBudget(3, Duration.ofSeconds(10), now::get,
            new ProblemResponses(JsonMapper.builder().build()));

    @Test
    void threeRefusedTokensThenTheAddressWaitsWhateverItSends() {
        for (int i = 0; i < 3; i++) {
            assertThat(call("/api/v1/agents", "10.0.0.1", HttpStatus.UNAUTHORIZED).getResponse().getStatusCode())
                    .isEqualTo(HttpStatus.UNAUTHORIZED);
        }
        MockServerWebExchange limited = call("/api/v1/agents", "10.0.0.1", HttpStatus.OK);
        assertThat(limited.getResponse().getStatusCode()).isEqualTo(HttpStatus.TOO_MANY_REQUESTS);
        assertThat(limited.getResponse().getHeaders().getFirst("Retry-After")).isEqualTo("10");
        assertThat(limited.getResponse().getBodyAsString().block())
                .contains("urn:codehub:problem:too-many-failed-authentications");

        assertThat(call("/api/v1/agents", "10.0.0.2", HttpStatus.OK).getResponse().getStatusCode())
                .as("another address").isEqualTo(HttpStatus.OK);
        assertThat(call("/actuator/health", "10.0.0.1", HttpStatus.OK).getResponse().getStatusCode())
                .as("outside the API").isEqualTo(HttpStatus.OK);

        now.addAndGet(Duration.ofSeconds(10).toNanos());
        assertThat(call("/api/v1/agents", "10.0.0.1", HttpStatus.OK).getResponse().getStatusCode())
                .as("one attempt earned back").isEqualTo(HttpStatus.OK);
    }

    @Test
    void successfulCallsSpendNothing() {
        for (int i = 0; i < 20; i++) {
            assertThat(call("/api/v1/agents", "10.0.0.3", HttpStatus.OK).getResponse().getStatusCode())
                    .isEqualTo(HttpStatus.OK);
        }
    }

    private MockServerWebExchange call(String path, String address, HttpStatus answer) {
        MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get(path)
                .remoteAddress(new InetSocketAddress(address, 40000)));
        WebFilterChain chain = e -> {
            e.getResponse().setStatusCode(answer);
            return e.getResponse().setComplete();
        };
        budget.filter(exchange, chain).block(Duration.ofSeconds(5));
        return exchange;
    }
}
