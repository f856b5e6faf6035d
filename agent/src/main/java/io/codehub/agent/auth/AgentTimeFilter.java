package io.codehub.agent.auth;

import java.time.Clock;

import io.codehub.base.AgentTime;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * Puts this agent's clock on every response, {@value AgentTime#HEADER}: epoch milliseconds taken
 * when the response is committed. The hub compares it with its own clock around the call and mints
 * this agent's tokens in this agent's time, so a hub whose clock is minutes off still gets through
 * a tight {@code CODEHUB_AGENT_AUTH_CLOCK_SKEW}. A refused token's 401 carries it too: that is the
 * answer the hub corrects its estimate from.
 */
public final class AgentTimeFilter implements WebFilter {

    private final Clock clock;

    public AgentTimeFilter(Clock clock) {
        this.clock = clock;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        exchange.getResponse().beforeCommit(() -> {
            exchange.getResponse().getHeaders().set(AgentTime.HEADER, AgentTime.format(clock.millis()));
            return Mono.empty();
        });
        return chain.filter(exchange);
    }
}
