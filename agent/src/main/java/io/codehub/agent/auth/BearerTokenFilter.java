package io.codehub.agent.auth;

import java.util.Set;

import io.codehub.agent.api.ProblemResponses;
import io.codehub.runtime.ProblemType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * Lets an Agent API call through only with {@code Authorization: Bearer <token>} that
 * {@link HubTokenVerifier} accepts; answers 401 problem+json otherwise. The orchestrator probes
 * ({@code /actuator/health/**}) and the API document ({@code /openapi.yaml}) need no token and
 * reveal nothing.
 */
public final class BearerTokenFilter implements WebFilter {

    private static final Logger log = LoggerFactory.getLogger(BearerTokenFilter.class);
    private static final Set<String> OPEN_PATHS = Set.of("/openapi.yaml", "/actuator/health",
            "/actuator/health/liveness", "/actuator/health/readiness");
    private static final String BEARER = "bearer ";

    private final HubTokenVerifier verifier;
    private final ProblemResponses problems;

    public BearerTokenFilter(HubTokenVerifier verifier, ProblemResponses problems) {
        this.verifier = verifier;
        this.problems = problems;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        String path = exchange.getRequest().getPath().pathWithinApplication().value();
        if (OPEN_PATHS.contains(path)) {
            return chain.filter(exchange);
        }
        String header = exchange.getRequest().getHeaders().getFirst(HttpHeaders.AUTHORIZATION);
        if (header == null) {
            return reject(exchange, "missing Authorization header (expected: Bearer <hub-signed token>)");
        }
        if (header.length() <= BEARER.length() || !header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return reject(exchange, "Authorization header is not a Bearer token");
        }
        try {
            verifier.verify(header.substring(BEARER.length()).trim());
        } catch (TokenRejectedException e) {
            return reject(exchange, e.getMessage());
        }
        return chain.filter(exchange);
    }

    private Mono<Void> reject(ServerWebExchange exchange, String reason) {
        log.info("refused {} {} from {}: {}", exchange.getRequest().getMethod(), exchange.getRequest().getPath(),
                exchange.getRequest().getRemoteAddress(), reason);
        return problems.write(exchange, ProblemType.UNAUTHORIZED, reason);
    }
}
