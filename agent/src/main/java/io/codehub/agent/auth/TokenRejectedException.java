package io.codehub.agent.auth;

/** A bearer token the agent does not accept; the message says why, and never holds the token. */
public final class TokenRejectedException extends Exception {

    private static final long serialVersionUID = 1L;

    public TokenRejectedException(String reason) {
        super(reason, null, false, false);
    }
}
