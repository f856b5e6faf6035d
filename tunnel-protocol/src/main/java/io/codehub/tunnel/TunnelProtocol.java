package io.codehub.tunnel;

import java.time.Duration;

import io.codehub.base.AgentTime;

/**
 * The wire constants of tunnel protocol v1: the upgrade path and token, the handshake header
 * names and the GOAWAY reasons. They are normative ({@code docs/tunnel-protocol.md}); an agent
 * written in another language uses exactly these strings.
 */
public final class TunnelProtocol {

    /** Request target of the upgrade request. */
    public static final String PATH = "/v1/tunnel";
    /** The {@code Upgrade} token of this protocol version. */
    public static final String UPGRADE_TOKEN = "codehub-tunnel/1";
    /** Prefix shared by every version's upgrade token. */
    public static final String UPGRADE_TOKEN_PREFIX = "codehub-tunnel/";

    /** Request header: the agent's software version (informational, at most 64 visible chars). */
    public static final String AGENT_VERSION_HEADER = "Codehub-Agent-Version";
    /** Optional request header: the agent's operating system, e.g. {@code linux} (at most 64 printable chars). */
    public static final String AGENT_OS_HEADER = "Codehub-Agent-Os";
    /** Optional request header: the agent's CPU architecture, e.g. {@code amd64} (at most 64 printable chars). */
    public static final String AGENT_ARCH_HEADER = "Codehub-Agent-Arch";
    /** Optional request header: the agent's backend kind, e.g. {@code docker} (at most 64 printable chars). */
    public static final String AGENT_RUNTIME_HEADER = "Codehub-Agent-Runtime";
    /** Optional request header: the agent's backend description (at most 256 printable chars). */
    public static final String AGENT_BACKEND_VERSION_HEADER = "Codehub-Agent-Backend-Version";
    /**
     * Optional request header: the agent's clock when it sent the upgrade request, in milliseconds
     * since the epoch (decimal, at most 15 digits; anything else is ignored). The hub measures the
     * agent's clock offset from it ({@link TunnelSession#agentClockOffset()}). The same header
     * ({@code io.codehub.base.AgentTime}) is on every Agent API response.
     */
    public static final String AGENT_TIME_HEADER = AgentTime.HEADER;
    /** Request and 101 header: a hub-signed resumption ticket. */
    public static final String RESUMPTION_TICKET_HEADER = "Codehub-Resumption-Ticket";
    /** 101 header: the session id the hub gave this connection. */
    public static final String SESSION_ID_HEADER = "Codehub-Session-Id";
    /** 101 header: the id of the hub instance that holds the session. */
    public static final String HUB_ID_HEADER = "Codehub-Hub-Id";
    /** 101 header: the hub's PING interval in whole seconds. */
    public static final String KEEPALIVE_INTERVAL_HEADER = "Codehub-Keepalive-Interval";

    /** Media type of every handshake error body (RFC 9457). */
    public static final String PROBLEM_JSON = "application/problem+json";

    /** The longest keepalive interval a 101 may announce; an agent refuses a longer one. */
    public static final Duration MAX_KEEPALIVE_INTERVAL = Duration.ofHours(1);

    /** The agent closes a session after hearing nothing for this many keepalive intervals. */
    public static final int AGENT_IDLE_INTERVALS = 3;

    /** GOAWAY debug data: the hub is shutting down; reconnect at once (with jitter). */
    public static final String GOAWAY_DRAINING = "draining";
    /** GOAWAY debug data: a newer session of the same agent replaced this one. */
    public static final String GOAWAY_REPLACED = "replaced";
    /** GOAWAY debug data: an ordinary close (administrative, or the peer is stopping). */
    public static final String GOAWAY_CLOSED = "closed";
    /**
     * GOAWAY debug data, sent by the agent: it has a new session (on this hub or another) after the
     * hub asked it to reconnect elsewhere, and closes this one once its open streams have ended.
     */
    public static final String GOAWAY_MOVED = "moved";

    /**
     * Method of the hub's "reconnect elsewhere" request: a stream the hub opens on a session, answered
     * by the agent's tunnel layer itself (not its Agent API) with {@value #RECONNECT_ACCEPTED}.
     */
    public static final String RECONNECT_METHOD = "POST";
    /** {@code :path} of the hub's "reconnect elsewhere" request. */
    public static final String RECONNECT_PATH = "/v1/tunnel/reconnect";
    /**
     * The agent's answer to the "reconnect elsewhere" request when it will connect anew and then close
     * this session itself ({@value #GOAWAY_MOVED}). Any other answer (an older agent's Agent API
     * answers 401 or 404) means it does not: the hub drains that session with
     * {@value #GOAWAY_DRAINING} instead.
     */
    public static final int RECONNECT_ACCEPTED = 202;

    private TunnelProtocol() {
    }
}
