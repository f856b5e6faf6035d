package io.codehub.hub.gateway;

import io.codehub.base.CodehubProblemType;

/**
 * The stable problem types of the workspace gateway, under the same prefix as the hub's API
 * ({@link CodehubProblemType}). Every answer the gateway makes itself is one of these, as
 * {@code application/problem+json}, or as a small HTML page when a browser asks for HTML.
 */
enum GatewayProblem implements CodehubProblemType {

    /** The request is not HTTP/1.1 the gateway can route: absolute-form target, bad Host, bad framing. */
    BAD_REQUEST("bad-request", 400, "Bad request"),
    /** No valid access session for this workspace host; the agent was not contacted. */
    UNAUTHORIZED("gateway-unauthorized", 401, "Sign-in needed"),
    /** The Host is not a workspace host of this gateway (another domain, an IP address, a malformed id). */
    NOT_A_WORKSPACE_HOST("not-a-workspace-host", 404, "Not a workspace host"),
    /** No workspace with that id (or it has been deleted). */
    WORKSPACE_NOT_FOUND("workspace-not-found", 404, "Workspace not found"),
    /** The workspace does not expose the port the host names. */
    PORT_NOT_EXPOSED("port-not-exposed", 404, "Port not exposed"),
    /** {@code CONNECT} and other methods a reverse proxy does not forward. */
    METHOD_NOT_ALLOWED("method-not-allowed", 405, "Method not allowed"),
    /** The request head took longer than the request header timeout. */
    REQUEST_TIMEOUT("request-timeout", 408, "Request timeout"),
    /** The workspace exists but does not run now; the detail and {@code state} say where it is. */
    WORKSPACE_NOT_RUNNING("workspace-not-running", 409, "Workspace not running"),
    /** A keep-alive connection asked for another host than the one it started with. */
    MISDIRECTED_REQUEST("misdirected-request", 421, "Misdirected request"),
    /** The request line exceeds the gateway's limit (8 KiB). */
    URI_TOO_LONG("uri-too-long", 414, "URI too long"),
    /** The headers exceed the gateway's limit. */
    REQUEST_HEADERS_TOO_LARGE("request-headers-too-large", 431, "Request headers too large"),
    /** The workspace's app could not be reached, or answered something that is not HTTP/1.1. */
    UPSTREAM_UNAVAILABLE("upstream-unavailable", 502, "Workspace app unavailable"),
    /** The workspace's agent has no live tunnel to the hub now; retry later. */
    AGENT_NOT_CONNECTED("agent-not-connected", 503, "Agent not connected"),
    /** The gateway is at its connection limit, or shutting down; retry later. */
    UNAVAILABLE("gateway-unavailable", 503, "Gateway unavailable"),
    /** The workspace's app sent no response headers within the response header timeout. */
    UPSTREAM_TIMEOUT("upstream-timeout", 504, "Workspace app timed out");

    private final Definition definition;

    GatewayProblem(String slug, int status, String title) {
        this.definition = new Definition(slug, status, title);
    }

    @Override
    public Definition definition() {
        return definition;
    }
}
