package io.codehub.agent.registration;

/**
 * Registration failed: the hub did not become ready, refused or failed a call, or the registration
 * directory holds something unusable. The message names the call (method and URL) or the file and
 * what came back; it never holds the admin token or the agent's API key.
 */
final class RegistrationException extends Exception {

    private static final long serialVersionUID = 1L;

    RegistrationException(String message) {
        super(message);
    }

    RegistrationException(String message, Throwable cause) {
        super(message, cause);
    }
}
