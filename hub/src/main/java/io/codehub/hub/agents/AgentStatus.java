package io.codehub.hub.agents;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import io.codehub.hub.problem.HubProblemException;

/**
 * An agent's status: {@code pending} (registered, never answered: placement never picks it; it
 * becomes {@code active} at its first passed health check or tunnel session), {@code active}
 * (placement may use it), {@code inactive} (an admin took it out of placement) or {@code error} (it
 * failed its health checks; it returns to {@code active} by itself when it answers again).
 */
public enum AgentStatus {
    PENDING("pending"),
    ACTIVE("active"),
    INACTIVE("inactive"),
    ERROR("error");

    private final String wire;

    AgentStatus(String wire) {
        this.wire = wire;
    }

    /** The JSON and database form. */
    @JsonValue
    public String wire() {
        return wire;
    }

    /** Parses the JSON or database form; anything else is a {@code validation-failed} problem. */
    @JsonCreator
    public static AgentStatus fromWire(String wire) {
        for (AgentStatus status : values()) {
            if (status.wire.equals(wire)) {
                return status;
            }
        }
        throw HubProblemException.invalid("status", "'" + wire + "' (expected one of: pending, active, inactive, error)");
    }
}
