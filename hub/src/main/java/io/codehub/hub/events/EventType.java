package io.codehub.hub.events;

import java.util.Arrays;
import java.util.stream.Collectors;

import com.fasterxml.jackson.annotation.JsonValue;
import io.codehub.hub.problem.HubProblemException;

/** What an {@link Event} records; the wire names are the API's and the stream's {@code event:} field. */
public enum EventType {
    /** An admin registered the agent. */
    AGENT_REGISTERED("agent.registered"),
    /** An admin changed the agent's settings (detail: the changed fields). */
    AGENT_UPDATED("agent.updated"),
    /** An admin deleted the agent. */
    AGENT_DELETED("agent.deleted"),
    /** The agent opened a tunnel session, or a direct agent answered its first health check. */
    AGENT_CONNECTED("agent.connected"),
    /** The agent's session ended, or a direct agent stopped answering (reason: a disconnect reason). */
    AGENT_DISCONNECTED("agent.disconnected"),
    /** A newer session of the agent replaced an older one (the agent stays connected). */
    AGENT_REPLACED("agent.replaced"),
    /** The agent's status changed (detail: {@code from}, {@code to}). */
    AGENT_HEALTH_CHANGED("agent.health-changed"),
    /** An admin rotated the agent's API key. */
    AGENT_KEY_ROTATED("agent.key-rotated"),
    /** The hub's CA issued (or renewed) a certificate for the agent (detail: serial, notAfter). */
    AGENT_CERTIFICATE_ISSUED("agent.certificate-issued"),
    /** An admin revoked the agent's certificates (reason: the RFC 5280 reason). */
    AGENT_CERTIFICATE_REVOKED("agent.certificate-revoked"),
    /** A workspace was created and placed on an agent. */
    WORKSPACE_CREATED("workspace.created"),
    /** A workspace's observed state changed (detail: {@code from}, {@code to}). */
    WORKSPACE_STATE_CHANGED("workspace.state-changed"),
    /** A reconciler step of a workspace failed (reason: why). */
    WORKSPACE_STEP_FAILED("workspace.step-failed"),
    /** A workspace is gone from its agent and from the hub. */
    WORKSPACE_DELETED("workspace.deleted");

    /** Every wire name, comma-separated, for messages. */
    static final String ALL = Arrays.stream(values()).map(EventType::wire).collect(Collectors.joining(", "));

    private final String wire;

    EventType(String wire) {
        this.wire = wire;
    }

    /** The JSON, database and stream form. */
    @JsonValue
    public String wire() {
        return wire;
    }

    /** Parses the wire form; anything else is a {@code validation-failed} problem about {@code field}. */
    public static EventType fromWire(String field, String wire) {
        for (EventType type : values()) {
            if (type.wire.equals(wire)) {
                return type;
            }
        }
        throw HubProblemException.invalid(field, "'" + (wire.length() > 80 ? wire.substring(0, 80) + "..." : wire) + "' is not an event type (expected one of: " + ALL + ")");
    }
}
