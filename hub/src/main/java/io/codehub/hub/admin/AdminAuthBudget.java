package io.codehub.hub.admin;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.function.LongSupplier;

import io.codehub.base.FailureBudget;
import io.codehub.hub.problem.HubProblemType;
import io.codehub.web.Problem;
import io.codehub.web.ProblemResponses;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * The failed-admin-token budget per client address, in front of the admin token filter: every
 * {@code 401} answered under {@code /api/} spends one token of the caller's address (an IPv6
 * /64); an address whose bucket is empty gets {@code 429 too-many-failed-authentications} with
 * {@code Retry-After} before its token is looked at, right or wrong. The token has 256 bits (or at
 * least 16 characters chosen by the operator), so this does not make guessing it feasible; it
 * keeps a guessing client from costing the hub more than a trickle of work and log lines.
 *
 * <p>The address is the TCP peer's: behind a reverse proxy every client shares the proxy's
 * bucket, so raise {@code CODEHUB_ADMIN_FAILED_AUTH_BURST} or limit at the proxy.
 */
final class AdminAuthBudget implements WebFilter {

    private static final Logger log = LoggerFactory.getLogger(AdminAuthBudget.class);
    /** Addresses remembered at most (fail open beyond, as the tunnel port's budget). */
    static final int MAX_TRACKED = 65_536;

    private final FailureBudget<InetAddress> budget;
    private final ProblemResponses problems;

    AdminAuthBudget(int burst, Duration refill, LongSupplier nanoTime, ProblemResponses problems) {
        this.budget = new FailureBudget<>(burst, refill, MAX_TRACKED, nanoTime);
        this.problems = problems;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        InetSocketAddress remote = exchange.getRequest().getRemoteAddress();
        if (!exchange.getRequest().getPath().pathWithinApplication().value().startsWith("/api/")
                || remote == null || remote.getAddress() == null) {
            return chain.filter(exchange);
        }
        InetAddress source = FailureBudget.sourceOf(remote.getAddress());
        Duration wait = budget.retryAfter(source);
        if (wait != null) {
            long seconds = Math.max(1, (wait.toMillis() + 999) / 1000);
            log.info("refused {} {} from {}: too many failed admin authentications, retry after {} s",
                    exchange.getRequest().getMethod(), exchange.getRequest().getPath(), remote, seconds);
            exchange.getResponse().getHeaders().set(HttpHeaders.RETRY_AFTER, Long.toString(seconds));
            return problems.write(exchange, Problem.of(HubProblemType.TOO_MANY_FAILED_AUTHENTICATIONS,
                    "too many requests with a wrong or missing admin token from this address; retry after "
                            + seconds + " s"));
        }
        exchange.getResponse().beforeCommit(() -> {
            if (HttpStatus.UNAUTHORIZED.equals(exchange.getResponse().getStatusCode())) {
                budget.recordFailure(source);
            }
            return Mono.empty();
        });
        return chain.filter(exchange);
    }
}
