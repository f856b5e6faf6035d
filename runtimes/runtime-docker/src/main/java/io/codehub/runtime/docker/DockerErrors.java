package io.codehub.runtime.docker;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.DockerClientException;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.exception.NotModifiedException;
import io.codehub.base.Causes;
import io.codehub.runtime.BackendFailureException;
import io.codehub.runtime.BackendUnavailableException;
import io.codehub.runtime.ProblemType;
import io.codehub.runtime.RuntimeProblemException;
import io.codehub.runtime.support.BackendErrors;

/**
 * Turns what docker-java throws into the SPI's problem exceptions, so that no docker-java
 * exception ever reaches a caller. Failing to reach the engine (no socket, refused connection,
 * timeout, a full call queue) is {@link BackendUnavailableException} naming the engine's address;
 * any other engine error is {@link BackendFailureException} saying what was attempted on what.
 */
final class DockerErrors {

    private static final Pattern MESSAGE = Pattern.compile("\"message\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");

    private final String engine;

    DockerErrors(String engine) {
        this.engine = engine;
    }

    /** The problem exception for {@code error}, raised while doing {@code operation} on {@code resource}. */
    RuntimeProblemException translate(Throwable error, String operation, String resource) {
        if (error instanceof RuntimeProblemException problem) {
            return problem;
        }
        if (BackendErrors.isUnreachable(error)) {
            return unavailable(error);
        }
        if (error instanceof DockerException || error instanceof DockerClientException) {
            return new BackendFailureException(ProblemType.BACKEND_ERROR,
                    operation + " " + resource + ": " + engineMessage(error), error);
        }
        return new BackendFailureException(ProblemType.INTERNAL,
                operation + " " + resource + ": " + error, error);
    }

    /** {@code error} as a failure to reach the engine. */
    BackendUnavailableException unavailable(Throwable error) {
        return new BackendUnavailableException("Docker engine unreachable at " + engine + ": "
                + Causes.rootMessage(error), error);
    }

    /** The engine's own words for an engine error: the {@code message} of its JSON body when it has one. */
    static String engineMessage(Throwable error) {
        String text = String.valueOf(error.getMessage());
        Matcher matcher = MESSAGE.matcher(text);
        String message = matcher.find() ? matcher.group(1).replace("\\\"", "\"").replace("\\\\", "\\") : text;
        return BackendErrors.quote(message);
    }

    static boolean isNotFound(Throwable error) {
        return error instanceof NotFoundException;
    }

    static boolean isConflict(Throwable error) {
        return error instanceof ConflictException;
    }

    static boolean isNotModified(Throwable error) {
        return error instanceof NotModifiedException;
    }
}
