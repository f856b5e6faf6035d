package io.codehub.tunnel;

/**
 * The agent answered a CONNECT stream with something other than {@code 200}: {@code 403} when its
 * upstream policy does not allow the target (not an upstream of a running instance it manages),
 * {@code 502} when it could not reach the upstream, {@code 400} for a malformed target.
 */
public final class ConnectRefusedException extends TunnelException {

    private static final long serialVersionUID = 1L;

    private final int status;

    ConnectRefusedException(String authority, String sessionId, int status) {
        super("CONNECT " + authority + " on session " + sessionId + ": the agent answered " + status
                + (status == 403 ? " (not an upstream of a running workspace it manages)"
                : status == 502 ? " (it could not reach the upstream)" : ""));
        this.status = status;
    }

    /** The agent's status code (0 when it sent none). */
    public int status() {
        return status;
    }

    /** Whether the agent's policy refused the target (as opposed to failing to reach it). */
    public boolean isForbidden() {
        return status == 403;
    }
}
