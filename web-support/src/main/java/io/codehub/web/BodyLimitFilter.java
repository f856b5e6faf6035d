package io.codehub.web;

import io.codehub.base.Checks;
import io.codehub.runtime.ProblemType;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * Refuses a request whose declared {@code Content-Length} exceeds the body limit with 413 before a
 * byte of it is read. Bodies without a length (chunked) are still capped by the codecs' in-memory
 * limit while they are decoded. (Refusing early also avoids a reactor-netty reference-count error
 * seen when the codec limit trips in the middle of a large body.)
 */
public final class BodyLimitFilter implements WebFilter {

    private final long maxBodyBytes;
    private final ProblemResponses problems;

    public BodyLimitFilter(long maxBodyBytes, ProblemResponses problems) {
        this.maxBodyBytes = Checks.positive("maxBodyBytes", maxBodyBytes);
        this.problems = problems;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        long length = exchange.getRequest().getHeaders().getContentLength();
        if (length > maxBodyBytes) {
            return problems.write(exchange, Problem.of(ProblemType.PAYLOAD_TOO_LARGE,
                    "request body of " + length + " bytes exceeds the limit of " + maxBodyBytes + " bytes"));
        }
        return chain.filter(exchange);
    }
}
