package io.codehub.web;

import java.util.function.Predicate;

import io.codehub.runtime.ProblemType;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * Lets a call to a protected path through only with {@code Authorization: Bearer <token>} that the
 * {@link TokenCheck} accepts; answers 401 {@code unauthorized} problem+json otherwise. Refusals are
 * logged with method, path, client address and reason, never the token.
 */
public final class BearerTokenFilter implements WebFilter {

    /** Decides about one bearer token. */
    @FunctionalInterface
    public interface TokenCheck {

        /** {@code null} when {@code token} is accepted; otherwise why not (never containing the token). */
        @Nullable String rejectionReason(String token);
    }

    private static final Logger log = LoggerFactory.getLogger(BearerTokenFilter.class);
    private static final String BEARER = "bearer ";

    private final Predicate<String> protectedPath;
    private final TokenCheck check;
    private final String expected;
    private final ProblemResponses problems;

    /**
     * @param protectedPath which paths (within the application) need a token
     * @param expected      what the token should be, for the "missing header" message, e.g. {@code <admin token>}
     */
    public BearerTokenFilter(Predicate<String> protectedPath, TokenCheck check, String expected, ProblemResponses problems) {
        this.protectedPath = protectedPath;
        this.check = check;
        this.expected = expected;
        this.problems = problems;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        if (!protectedPath.test(exchange.getRequest().getPath().pathWithinApplication().value())) {
            return chain.filter(exchange);
        }
        String header = exchange.getRequest().getHeaders().getFirst(HttpHeaders.AUTHORIZATION);
        if (header == null) {
            return reject(exchange, "missing Authorization header (expected: Bearer " + expected + ")");
        }
        if (header.length() <= BEARER.length() || !header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return reject(exchange, "Authorization header is not a Bearer token");
        }
        String reason = check.rejectionReason(header.substring(BEARER.length()).trim());
        return reason == null ? chain.filter(exchange) : reject(exchange, reason);
    }

    private Mono<Void> reject(ServerWebExchange exchange, String reason) {
        log.info("refused {} {} from {}: {}", exchange.getRequest().getMethod(), exchange.getRequest().getPath(),
                exchange.getRequest().getRemoteAddress(), reason);
        return problems.write(exchange, Problem.of(ProblemType.UNAUTHORIZED, reason));
    }
}
