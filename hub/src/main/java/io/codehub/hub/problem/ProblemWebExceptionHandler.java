package io.codehub.hub.problem;

import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

import io.codehub.runtime.ProblemType;
import io.codehub.runtime.RuntimeProblemException;
import io.r2dbc.spi.R2dbcNonTransientResourceException;
import io.r2dbc.spi.R2dbcTransientResourceException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.TransientDataAccessResourceException;
import org.springframework.validation.FieldError;
import org.springframework.web.bind.support.WebExchangeBindException;
import org.springframework.web.server.MethodNotAllowedException;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.ServerWebInputException;
import org.springframework.web.server.UnsupportedMediaTypeStatusException;
import org.springframework.web.server.WebExceptionHandler;
import reactor.core.publisher.Mono;
import tools.jackson.core.JacksonException;

/**
 * Renders every failure of a hub API call as problem+json with a stable type: hub problems keep
 * theirs, runtime problems (an invalid spec) theirs, validation errors name the field, an
 * unreachable database is a 503, and anything unexpected is a logged {@code internal} problem
 * whose detail carries an id to find it in the log.
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
        return problems.write(exchange, toProblem(exchange, failure));
    }

    Problem toProblem(ServerWebExchange exchange, Throwable failure) {
        HubProblemException hub = find(failure, HubProblemException.class);
        if (hub != null) {
            return Problem.of(hub.type(), hub.detail());
        }
        if (failure instanceof WebExchangeBindException bind) {
            return Problem.of(HubProblemType.VALIDATION_FAILED, describe(bind.getFieldErrors()));
        }
        RuntimeProblemException runtime = find(failure, RuntimeProblemException.class);
        if (runtime != null) {
            return Problem.of(runtime.type(), runtime.detail());
        }
        if (isDatabaseUnavailable(failure)) {
            log.warn("{} {}: database unavailable: {}", exchange.getRequest().getMethod(), exchange.getRequest().getPath(),
                    failure.toString());
            return Problem.of(HubProblemType.DATABASE_UNAVAILABLE,
                    "the hub's database cannot be reached; retry later");
        }
        if (find(failure, DataBufferLimitException.class) != null) {
            return Problem.of(ProblemType.PAYLOAD_TOO_LARGE, "request body exceeds the hub's limit");
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
            return describeInput(input);
        }
        if (failure instanceof ResponseStatusException status && status.getStatusCode().value() == 404) {
            return Problem.of(ProblemType.ROUTE_NOT_FOUND,
                    "no hub API route " + exchange.getRequest().getMethod() + " " + exchange.getRequest().getPath());
        }
        if (failure instanceof ResponseStatusException status && status.getStatusCode().value() == 413) {
            return Problem.of(ProblemType.PAYLOAD_TOO_LARGE, "request body exceeds the hub's limit");
        }
        String incident = UUID.randomUUID().toString();
        log.error("{} {} failed unexpectedly (incident {})", exchange.getRequest().getMethod(),
                exchange.getRequest().getPath(), incident, failure);
        return Problem.of(ProblemType.INTERNAL, "unexpected failure; the hub log has incident " + incident);
    }

    /** Whether {@code failure} means the database (or the pool in front of it) is out of reach. */
    public static boolean isDatabaseUnavailable(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof DataAccessResourceFailureException || t instanceof TransientDataAccessResourceException
                    || t instanceof R2dbcNonTransientResourceException || t instanceof R2dbcTransientResourceException
                    || t instanceof java.net.ConnectException || t instanceof TimeoutException
                    || t.getClass().getName().startsWith("io.r2dbc.pool.")) {
                return true;
            }
        }
        return false;
    }

    private static String describe(List<FieldError> errors) {
        if (errors.isEmpty()) {
            return "the request is not valid";
        }
        return errors.stream()
                .map(e -> e.getField() + ": " + e.getDefaultMessage())
                .sorted()
                .collect(Collectors.joining("; "));
    }

    private static Problem describeInput(ServerWebInputException input) {
        JacksonException json = find(input, JacksonException.class);
        if (json != null && !json.getPath().isEmpty()) {
            String field = json.getPath().stream()
                    .map(r -> r.getPropertyName() != null ? r.getPropertyName() : "[" + r.getIndex() + "]")
                    .collect(Collectors.joining(".")).replace(".[", "[");
            return Problem.of(HubProblemType.VALIDATION_FAILED, field + ": " + firstLine(json.getOriginalMessage()));
        }
        Throwable cause = input.getMostSpecificCause();
        String reason = cause == input ? input.getReason() : cause.getMessage();
        if (reason == null || reason.isBlank()) {
            return Problem.of(ProblemType.MALFORMED_REQUEST, "request body is missing or not valid JSON");
        }
        return Problem.of(ProblemType.MALFORMED_REQUEST, "request is not valid: " + firstLine(reason));
    }

    private static String firstLine(@Nullable String message) {
        // Jackson messages carry a source excerpt on later lines; the first line is the useful part.
        return message == null ? "invalid value" : message.lines().findFirst().orElse(message);
    }

    private static <T extends Throwable> @Nullable T find(Throwable failure, Class<T> type) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        return null;
    }
}
