package io.codehub.hub.agents;

/** Shapes of agent fields, shared by the request records' validation annotations. */
final class AgentRules {

    static final String TYPE = "[a-z][a-z0-9-]{0,31}";
    static final String REGION = "[a-z0-9]([a-z0-9._-]{0,62}[a-z0-9])?";
    static final String REGION_MESSAGE = "must be lower-case letters, digits, '.', '_' or '-', at most 64 characters";
    static final String AUTH = "api-key|mtls|api-key\\+mtls";
    static final String AUTH_MESSAGE = "must be api-key, mtls or api-key+mtls";
    static final long MAX_CAPACITY = 100_000;

    private AgentRules() {
    }
}
