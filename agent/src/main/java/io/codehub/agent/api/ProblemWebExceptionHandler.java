package io.codehub.agent.api;

import java.util.UUID;

import io.codehub.runtime.ProblemType;
import io.codehub.runtime.RuntimeProblemException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.http.HttpStatus;
import org.springframework.web.server.MethodNotAllowedException;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.ServerWebInputException;
import org.springframework.web.server.UnsupportedMediaTypeStatusException;
import org.springframework.web.server.WebExceptionHandler;
import reactor.core.publisher.Mono;

/**
 * Renders every failure of an Agent API call as problem+json with a stable type: runtime problems
 * keep their own type, framework errors (bad JSON, wrong media type, unknown route, oversized
 * body) get theirs, and anything unexpected is a logged {@code internal} problem whose detail
 * carries an id to find it in the log.
 */
public final class ProblemWebExceptionHandler implements WebExceptionHandler {

    private static final Logger log = LoggerFactory.getLogger(ProblemWebExceptionHandler.class);

    private final ProblemResponses problems;

    public ProblemWebExceptionHandler(ProblemResponses problems) {
        this.problems = problems;
    }

    @Override
    public Mono<Void> handle(ServerWebExchange exchange, Throwable failure) {
        if (exchange.getResponse().isCommitted()) {
            return Mono.error(failure);
        }
        RuntimeProblemException problem = find(failure, RuntimeProblemException.class);
        if (problem != null) {
            if (problem.type().status() >= 500) {
                log.warn("{} {}: {}", exchange.getRequest().getMethod(), exchange.getRequest().getPath(), problem.detail());
            }
            return problems.write(exchange, problem.type(), problem.detail());
        }
        if (find(failure, DataBufferLimitException.class) != null) {
            return problems.write(exchange, ProblemType.PAYLOAD_TOO_LARGE, "request body exceeds the agent's limit");
        }
        if (failure instanceof UnsupportedMediaTypeStatusException unsupported) {
            return problems.write(exchange, ProblemType.UNSUPPORTED_MEDIA_TYPE,
                    "content type " + unsupported.getContentType() + " (expected: application/json)");
        }
        if (failure instanceof MethodNotAllowedException notAllowed) {
            return problems.write(exchange, ProblemType.METHOD_NOT_ALLOWED,
                    notAllowed.getHttpMethod() + " is not allowed here (allowed: " + notAllowed.getSupportedMethods() + ")");
        }
        if (failure instanceof ServerWebInputException input) {
            return problems.write(exchange, ProblemType.MALFORMED_REQUEST, describeInput(input));
        }
        if (failure instanceof ResponseStatusException status && status.getStatusCode().value() == 404) {
            return problems.write(exchange, ProblemType.ROUTE_NOT_FOUND,
                    "no Agent API route " + exchange.getRequest().getMethod() + " " + exchange.getRequest().getPath());
        }
        if (failure instanceof ResponseStatusException status && status.getStatusCode().value() == HttpStatus.PAYLOAD_TOO_LARGE.value()) {
            return problems.write(exchange, ProblemType.PAYLOAD_TOO_LARGE, "request body exceeds the agent's limit");
        }
        String incident = UUID.randomUUID().toString();
        log.error("{} {} failed unexpectedly (incident {})", exchange.getRequest().getMethod(),
                exchange.getRequest().getPath(), incident, failure);
        return problems.write(exchange, ProblemType.INTERNAL, "unexpected failure; the agent log has incident " + incident);
    }

    private static String describeInput(ServerWebInputException input) {
        Throwable cause = input.getMostSpecificCause();
        String reason = cause == input ? input.getReason() : cause.getMessage();
        if (reason == null || reason.isBlank()) {
            return "request body is missing or not valid JSON";
        }
        // Jackson messages carry a source excerpt on later lines; the first line is the useful part.
        String firstLine = reason.lines().findFirst().orElse(reason);
        return "request body is not valid: " + firstLine;
    }

    private static <T extends Throwable> T find(Throwable failure, Class<T> type) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        return null;
    }
}
