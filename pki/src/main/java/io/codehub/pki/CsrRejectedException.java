package io.codehub.pki;

/**
 * A certificate signing request was refused: unreadable, badly signed, too large, naming no agent,
 * several agents, or another agent than the one that asked. The hub maps it to a 4xx answer; the
 * message is safe to show to the requesting agent.
 */
public final class CsrRejectedException extends PkiException {

    private static final long serialVersionUID = 1L;

    public CsrRejectedException(String message) {
        super(message);
    }

    public CsrRejectedException(String message, Throwable cause) {
        super(message, cause);
    }
}
