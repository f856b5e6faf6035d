package io.codehub.hub.agents;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import io.codehub.hub.problem.HubProblemException;

/**
 * What an agent must present when it connects to the tunnel port (DESIGN.md, Authentication):
 * its API key ({@code api-key}, the default), a client certificate issued to it by the hub's CA
 * ({@code mtls}), or both ({@code api-key+mtls}). Moving a fleet to mTLS goes
 * {@code api-key} → {@code api-key+mtls} → {@code mtls} (docs/security.md).
 */
public enum AgentAuth {
    API_KEY("api-key", true, false),
    MTLS("mtls", false, true),
    API_KEY_AND_MTLS("api-key+mtls", true, true);

    private final String wire;
    private final boolean needsKey;
    private final boolean needsCertificate;

    AgentAuth(String wire, boolean needsKey, boolean needsCertificate) {
        this.wire = wire;
        this.needsKey = needsKey;
        this.needsCertificate = needsCertificate;
    }

    /** The JSON and database form. */
    @JsonValue
    public String wire() {
        return wire;
    }

    /** Whether the agent must present its API key (or a resumption ticket standing for it). */
    public boolean needsKey() {
        return needsKey;
    }

    /** Whether the agent must present a valid client certificate naming it. */
    public boolean needsCertificate() {
        return needsCertificate;
    }

    /** Parses the JSON or database form; anything else is a {@code validation-failed} problem. */
    @JsonCreator
    public static AgentAuth fromWire(String wire) {
        for (AgentAuth auth : values()) {
            if (auth.wire.equals(wire)) {
                return auth;
            }
        }
        throw HubProblemException.invalid("auth", "'" + wire + "' (expected one of: api-key, mtls, api-key+mtls)");
    }
}
