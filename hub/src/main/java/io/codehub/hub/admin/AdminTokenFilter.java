package io.codehub.hub.admin;

import io.codehub.hub.problem.Problem;
import io.codehub.hub.problem.ProblemResponses;
import io.codehub.runtime.ProblemType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * Lets a control plane API call ({@code /api/**}) through only with
 * {@code Authorization: Bearer <admin token>}; answers 401 problem+json otherwise. The hub's
 * public key ({@code /.well-known/jwks.json}), the API document ({@code /v3/api-docs}) and the
 * health probes are public and reveal nothing secret.
 */
public final class AdminTokenFilter implements WebFilter {

    private static final Logger log = LoggerFactory.getLogger(AdminTokenFilter.class);
    private static final String BEARER = "bearer ";

    private final AdminToken token;
    private final ProblemResponses problems;

    public AdminTokenFilter(AdminToken token, ProblemResponses problems) {
        this.token = token;
        this.problems = problems;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        String path = exchange.getRequest().getPath().pathWithinApplication().value();
        if (!path.startsWith("/api/")) {
            return chain.filter(exchange);
        }
        String header = exchange.getRequest().getHeaders().getFirst(HttpHeaders.AUTHORIZATION);
        if (header == null) {
            return reject(exchange, "missing Authorization header (expected: Bearer <admin token>)");
        }
        if (header.length() <= BEARER.length() || !header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return reject(exchange, "Authorization header is not a Bearer token");
        }
        if (!token.matches(header.substring(BEARER.length()).trim())) {
            return reject(exchange, "the bearer token is not the admin token");
        }
        return chain.filter(exchange);
    }

    private Mono<Void> reject(ServerWebExchange exchange, String reason) {
        log.info("refused {} {} from {}: {}", exchange.getRequest().getMethod(), exchange.getRequest().getPath(),
                exchange.getRequest().getRemoteAddress(), reason);
        return problems.write(exchange, Problem.of(ProblemType.UNAUTHORIZED, reason));
    }
}
