package io.codehub.web;

import java.util.List;
import java.util.UUID;

import io.codehub.base.Causes;
import io.codehub.runtime.ProblemType;
import io.codehub.runtime.RuntimeProblemException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.web.server.MethodNotAllowedException;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.ServerWebInputException;
import org.springframework.web.server.UnsupportedMediaTypeStatusException;
import org.springframework.web.server.WebExceptionHandler;
import reactor.core.publisher.Mono;

/**
 * Renders every failure of an API call as problem+json with a stable type. The application's
 * {@link ProblemMapper}s are asked first; then runtime problems keep their own type, framework
 * errors (bad JSON, wrong media type, unknown route, oversized body) get theirs, and anything
 * unexpected is a logged {@code internal} problem whose detail carries an incident id to find it
 * in the log. Register it ahead of Boot's handler ({@code @Order(-2)}).
 */
public final class ProblemWebExceptionHandler implements WebExceptionHandler {

    private static final Logger log = LoggerFactory.getLogger(ProblemWebExceptionHandler.class);

    private final ProblemResponses problems;
    private final String service;
    private final List<ProblemMapper> mappers;

    /**
     * @param service the name used in details, e.g. {@code agent} ("no agent API route ...")
     * @param mappers the application's own mappings, asked in order before the shared one
     */
    public ProblemWebExceptionHandler(ProblemResponses problems, String service, List<ProblemMapper> mappers) {
        this.problems = problems;
        this.service = service;
        this.mappers = List.copyOf(mappers);
    }

    @Override
    public Mono<Void> handle(ServerWebExchange exchange, Throwable failure) {
        if (exchange.getResponse().isCommitted()) {
            return Mono.error(failure);
        }
        return problems.write(exchange, toProblem(exchange, failure));
    }

    Problem toProblem(ServerWebExchange exchange, Throwable failure) {
        for (ProblemMapper mapper : mappers) {
            Problem problem = mapper.toProblem(exchange, failure);
            if (problem != null) {
                return problem;
            }
        }
        RuntimeProblemException runtime = Causes.find(failure, RuntimeProblemException.class);
        if (runtime != null) {
            if (runtime.type().status() >= 500) {
                log.warn("{} {}: {}", exchange.getRequest().getMethod(), exchange.getRequest().getPath(), runtime.detail());
            }
            return Problem.of(runtime.type(), runtime.detail());
        }
        if (Causes.find(failure, DataBufferLimitException.class) != null) {
            return Problem.of(ProblemType.PAYLOAD_TOO_LARGE, "request body exceeds the " + service + "'s limit");
        }
        if (failure instanceof UnsupportedMediaTypeStatusException unsupported) {
            return Problem.of(ProblemType.UNSUPPORTED_MEDIA_TYPE,
                    "content type " + unsupported.getContentType() + " (expected: application/json)");
        }
        if (failure instanceof MethodNotAllowedException notAllowed) {
            return Problem.of(ProblemType.METHOD_NOT_ALLOWED,
                    notAllowed.getHttpMethod() + " is not allowed here (allowed: " + notAllowed.getSupportedMethods() + ")");
        }
        if (failure instanceof ServerWebInputException input) {
            Throwable cause = input.getMostSpecificCause();
            String reason = cause == input ? input.getReason() : cause.getMessage();
            return Problem.of(ProblemType.MALFORMED_REQUEST, reason == null || reason.isBlank()
                    ? "request body is missing or not valid JSON"
                    : "request is not valid: " + Failures.forClients(reason));
        }
        if (failure instanceof ResponseStatusException status && status.getStatusCode().value() == 404) {
            return Problem.of(ProblemType.ROUTE_NOT_FOUND,
                    "no " + service + " API route " + exchange.getRequest().getMethod() + " " + exchange.getRequest().getPath());
        }
        if (failure instanceof ResponseStatusException status && status.getStatusCode().value() == 413) {
            return Problem.of(ProblemType.PAYLOAD_TOO_LARGE, "request body exceeds the " + service + "'s limit");
        }
        String incident = UUID.randomUUID().toString();
        log.error("{} {} failed unexpectedly (incident {})", exchange.getRequest().getMethod(),
                exchange.getRequest().getPath(), incident, failure);
        return Problem.of(ProblemType.INTERNAL, "unexpected failure; the " + service + " log has incident " + incident);
    }
}
