package io.codehub.hub.problem;

import java.util.List;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

import io.codehub.base.Causes;
import io.codehub.runtime.RuntimeProblemException;
import io.codehub.tunnel.spring.AgentNotConnectedException;
import io.codehub.web.Failures;
import io.codehub.web.Problem;
import io.codehub.web.ProblemMapper;
import io.r2dbc.spi.R2dbcNonTransientResourceException;
import io.r2dbc.spi.R2dbcTransientResourceException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.TransientDataAccessResourceException;
import org.springframework.validation.FieldError;
import org.springframework.web.bind.support.WebExchangeBindException;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.ServerWebInputException;
import tools.jackson.core.JacksonException;

/**
 * The hub's own failures, mapped before the shared mapping of
 * {@link io.codehub.web.ProblemWebExceptionHandler}: hub problems keep their type, validation
 * errors name the field, and an unreachable database is a 503 {@code database-unavailable}.
 */
public final class HubProblemMapper implements ProblemMapper {

    private static final Logger log = LoggerFactory.getLogger(HubProblemMapper.class);

    @Override
    public @Nullable Problem toProblem(ServerWebExchange exchange, Throwable failure) {
        HubProblemException hub = Causes.find(failure, HubProblemException.class);
        if (hub != null) {
            return Problem.of(hub.type(), hub.detail());
        }
        AgentNotConnectedException notConnected =
                Causes.find(failure, AgentNotConnectedException.class);
        if (notConnected != null) {
            return Problem.of(HubProblemType.AGENT_NOT_CONNECTED, notConnected.getMessage()
                    + "; it reconnects on its own, retry later");
        }
        if (failure instanceof WebExchangeBindException bind) {
            return Problem.of(HubProblemType.VALIDATION_FAILED, describe(bind.getFieldErrors()));
        }
        if (failure instanceof ServerWebInputException input) {
            JacksonException json = Causes.find(input, JacksonException.class);
            if (json != null && !json.getPath().isEmpty()
                    && Causes.find(input, RuntimeProblemException.class) == null) {
                String field = json.getPath().stream()
                        .map(r -> r.getPropertyName() != null ? r.getPropertyName() : "[" + r.getIndex() + "]")
                        .collect(Collectors.joining(".")).replace(".[", "[");
                return Problem.of(HubProblemType.VALIDATION_FAILED, field + ": " + Failures.forClients(json.getOriginalMessage()));
            }
        }
        if (isDatabaseUnavailable(failure)) {
            log.warn("{} {}: database unavailable: {}", exchange.getRequest().getMethod(), exchange.getRequest().getPath(),
                    failure.toString());
            return Problem.of(HubProblemType.DATABASE_UNAVAILABLE, "the hub's database cannot be reached; retry later");
        }
        return null;
    }

    /** Whether {@code failure} means the database (or the pool in front of it) is out of reach. */
    public static boolean isDatabaseUnavailable(Throwable failure) {
        for (Throwable t : Causes.chain(failure)) {
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
        return errors.stream().map(e -> e.getField() + ": " + e.getDefaultMessage()).sorted()
                .collect(Collectors.joining("; "));
    }
}
