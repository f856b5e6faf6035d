package io.codehub.hub.problem;

import io.codehub.base.CodehubProblemType;
import io.codehub.runtime.ProblemType;

/**
 * The stable problem types of the hub's API that the Agent API's {@link ProblemType} does not
 * have, of the same shape and under the same prefix ({@link CodehubProblemType}). Where an Agent
 * API type fits ({@code unauthorized}, {@code malformed-request}, {@code invalid-spec},
 * {@code internal}, ...), the hub serves that one instead. The {@link #uri()} never changes once
 * published. Served with {@code Problem.of(type, detail)} of web-support.
 */
public enum HubProblemType implements CodehubProblemType {

    /** A request field is missing, malformed or out of range; the detail names the field. */
    VALIDATION_FAILED("validation-failed", 400, "Validation failed"),
    /** The workspace has an owner, and the request names another subject. */
    ACCESS_DENIED("access-denied", 403, "Access denied"),
    /** No agent with that id. */
    AGENT_NOT_FOUND("agent-not-found", 404, "Agent not found"),
    /** No workspace with that id (or it has been deleted). */
    WORKSPACE_NOT_FOUND("workspace-not-found", 404, "Workspace not found"),
    /** The agent still has workspaces, so it cannot be deleted. */
    AGENT_HAS_WORKSPACES("agent-has-workspaces", 409, "Agent has workspaces"),
    /** No active, healthy agent with free capacity matches the placement request. */
    NO_ELIGIBLE_AGENT("no-eligible-agent", 409, "No eligible agent"),
    /** The workspace cannot go where the request asks from where it is (e.g. restore of a workspace never archived). */
    INVALID_TRANSITION("invalid-transition", 409, "Invalid state transition"),
    /** The hub runs without a certificate authority ({@code CODEHUB_HUB_PKI_DIR} is not set). */
    PKI_NOT_CONFIGURED("pki-not-configured", 409, "PKI not configured"),
    /** An action on an agent's tunnel session, and the agent has no open session with this hub. */
    NO_TUNNEL_SESSION("no-tunnel-session", 409, "No tunnel session"),
    /** The request line is longer than the hub's HTTP codec accepts; answered before any route is chosen. */
    URI_TOO_LONG("uri-too-long", 414, "URI too long"),
    /** The client address sent too many wrong or missing admin tokens; see {@code Retry-After}. */
    TOO_MANY_FAILED_AUTHENTICATIONS("too-many-failed-authentications", 429, "Too many failed authentications"),
    /** The request's headers are larger than the hub's HTTP codec accepts; answered before any route is chosen. */
    REQUEST_HEADERS_TOO_LARGE("request-headers-too-large", 431, "Request headers too large"),
    /** The agent reaches the hub through the tunnel and has no live session now; retry later. */
    AGENT_NOT_CONNECTED("agent-not-connected", 503, "Agent not connected"),
    /** The database cannot be reached; retry later. */
    DATABASE_UNAVAILABLE("database-unavailable", 503, "Database unavailable"),
    /** {@code CODEHUB_HUB_EVENTS_MAX_STREAMS} event streams are open already; retry later. */
    TOO_MANY_EVENT_STREAMS("too-many-event-streams", 503, "Too many event streams");

    private final Definition definition;

    HubProblemType(String slug, int status, String title) {
        this.definition = new Definition(slug, status, title);
    }

    @Override
    public Definition definition() {
        return definition;
    }
}
