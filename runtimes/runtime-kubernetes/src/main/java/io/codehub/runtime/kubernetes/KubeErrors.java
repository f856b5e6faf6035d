package io.codehub.runtime.kubernetes;

import io.codehub.base.Causes;
import io.codehub.runtime.BackendFailureException;
import io.codehub.runtime.BackendUnavailableException;
import io.codehub.runtime.ProblemType;
import io.codehub.runtime.RuntimeProblemException;
import io.codehub.runtime.support.BackendErrors;
import io.fabric8.kubernetes.client.KubernetesClientException;

/**
 * Turns what fabric8 throws into the SPI's problem exceptions, so that no fabric8 exception ever
 * reaches a caller. Failing to reach the API server (refused connection, timeout, a full call
 * queue) is {@link BackendUnavailableException} naming the server; any other API error is
 * {@link BackendFailureException} saying what was attempted on what, with the server's own
 * message (a 403 names the verb and resource the agent's Role lacks).
 */
final class KubeErrors {

    private final String server;

    KubeErrors(String server) {
        this.server = server;
    }

    /** The problem exception for {@code error}, raised while doing {@code operation} on {@code resource}. */
    RuntimeProblemException translate(Throwable error, String operation, String resource) {
        if (error instanceof RuntimeProblemException problem) {
            return problem;
        }
        if (isUnreachable(error)) {
            return unavailable(error);
        }
        if (error instanceof KubernetesClientException kube) {
            String code = kube.getCode() > 0 ? " (HTTP " + kube.getCode() + ")" : "";
            return new BackendFailureException(ProblemType.BACKEND_ERROR,
                    operation + " " + resource + code + ": " + serverMessage(kube), error);
        }
        return new BackendFailureException(ProblemType.INTERNAL, operation + " " + resource + ": " + error, error);
    }

    /** {@code error} as a failure to reach the API server. */
    BackendUnavailableException unavailable(Throwable error) {
        return new BackendUnavailableException("Kubernetes API unreachable at " + server + ": "
                + Causes.rootMessage(error), error);
    }

    /** The HTTP status of a fabric8 exception anywhere in the chain, or 0. */
    static int code(Throwable error) {
        for (Throwable cause : Causes.chain(error)) {
            if (cause instanceof KubernetesClientException kube && kube.getCode() > 0) {
                return kube.getCode();
            }
        }
        return 0;
    }

    /** The server's own words: the {@code message} of its Status when it sent one. */
    static String serverMessage(KubernetesClientException error) {
        String message = error.getStatus() != null && error.getStatus().getMessage() != null
                ? error.getStatus().getMessage() : String.valueOf(error.getMessage());
        return BackendErrors.quote(message);
    }

    /** Not reached: no HTTP status anywhere in the chain, and an I/O failure, timeout or full queue in it. */
    private static boolean isUnreachable(Throwable error) {
        return code(error) == 0 && BackendErrors.isUnreachable(error);
    }
}
