package io.codehub.hub.apidoc;

/**
 * Names the controllers' OpenAPI annotations use: the tags and the problem responses of
 * {@link ProblemResponses} (as {@code $ref}s, so each error is described once). Constants, because
 * annotation values must be.
 */
public final class HubApiDocument {

    /** Tag of the agents API. */
    public static final String AGENTS = "agents";
    /** Tag of the workspaces API, access included. */
    public static final String WORKSPACES = "workspaces";
    /** Tag of the hub's identity. */
    public static final String HUB = "hub";
    /** Tag of the certificate authority's public files. */
    public static final String PKI = "pki";
    /** Tag of the fleet's recent history. */
    public static final String FLEET = "fleet";
    /** Tag of the event history and its stream. */
    public static final String EVENTS = "events";

    private static final String RESPONSES = "#/components/responses/";

    /** 400: {@code validation-failed}, {@code invalid-spec} or {@code malformed-request}. */
    public static final String BAD_REQUEST = RESPONSES + "BadRequest";
    /** 403 {@code access-denied}. */
    public static final String ACCESS_DENIED = RESPONSES + "AccessDenied";
    /** 404 {@code agent-not-found}. */
    public static final String AGENT_NOT_FOUND = RESPONSES + "AgentNotFound";
    /** 404 {@code workspace-not-found}. */
    public static final String WORKSPACE_NOT_FOUND = RESPONSES + "WorkspaceNotFound";
    /** 409 {@code agent-has-workspaces}. */
    public static final String AGENT_HAS_WORKSPACES = RESPONSES + "AgentHasWorkspaces";
    /** 409 {@code no-eligible-agent}. */
    public static final String NO_ELIGIBLE_AGENT = RESPONSES + "NoEligibleAgent";
    /** 409 {@code invalid-transition}. */
    public static final String INVALID_TRANSITION = RESPONSES + "InvalidTransition";
    /** 409 {@code pki-not-configured}. */
    public static final String PKI_NOT_CONFIGURED = RESPONSES + "PkiNotConfigured";
    /** 409 {@code no-tunnel-session}. */
    public static final String NO_TUNNEL_SESSION = RESPONSES + "NoTunnelSession";
    /** 503 {@code too-many-event-streams}. */
    public static final String TOO_MANY_EVENT_STREAMS = RESPONSES + "TooManyEventStreams";

    private HubApiDocument() {
    }
}
