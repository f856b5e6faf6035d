package io.codehub.tunnel;

/**
 * Why a hub-side session ended, as {@link TunnelListener#sessionClosed(TunnelSession, CloseReason, Throwable)}
 * reports it. The wire names are the hub's disconnect reasons ({@code docs/operations.md}, Events).
 * The first cause recorded wins: a session the hub drained that the agent then also closed was
 * closed by the hub.
 */
public enum CloseReason {
    /** The agent closed the connection: GOAWAY, or the TCP connection ended (a killed process too). */
    CLOSED_BY_AGENT("closed-by-agent"),
    /**
     * The agent moved: the hub asked it to reconnect elsewhere, it opened a new session (on another
     * hub, as a rule) and then closed this one with GOAWAY {@value TunnelProtocol#GOAWAY_MOVED}.
     */
    MOVED("moved"),
    /** A newer session of the same agent replaced this one. */
    REPLACED("replaced"),
    /** No PING ACK within the keepalive timeout: the connection was half-open. */
    HALF_OPEN("half-open"),
    /** The hub closed it because the agent's certificate or key is no longer valid. */
    REVOKED("revoked"),
    /** The hub is shutting down (drain or close). */
    HUB_SHUTDOWN("hub-shutdown"),
    /** The hub closed it on purpose (an administrative disconnect). */
    CLOSED_BY_HUB("closed-by-hub"),
    /**
     * A handshake of a known agent was refused. Never the reason of a closed session: the hub uses it
     * for an agent whose credentials stopped working.
     */
    AUTH_FAILED("auth-failed"),
    /** Anything else (a protocol or I/O error): the listener's {@code cause} says what. */
    ERROR("error");

    private final String wire;

    CloseReason(String wire) {
        this.wire = wire;
    }

    /** The wire name, e.g. {@code half-open}. */
    public String wire() {
        return wire;
    }
}
