package io.codehub.web;

import org.jspecify.annotations.Nullable;
import org.springframework.web.server.ServerWebExchange;

/**
 * An application's own mapping of a failure to a problem, consulted by
 * {@link ProblemWebExceptionHandler} before the shared mapping.
 */
@FunctionalInterface
public interface ProblemMapper {

    /** The problem {@code failure} stands for, or {@code null} to leave it to the next mapping. */
    @Nullable Problem toProblem(ServerWebExchange exchange, Throwable failure);
}
