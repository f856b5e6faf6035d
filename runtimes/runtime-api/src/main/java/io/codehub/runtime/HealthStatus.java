package io.codehub.runtime;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** Overall health of an agent and its backend. */
public enum HealthStatus {
    UP("UP"),
    DOWN("DOWN");

    private final String wire;

    HealthStatus(String wire) {
        this.wire = wire;
    }

    /** The JSON form. */
    @JsonValue
    public String wire() {
        return wire;
    }

    /** Parses the JSON form; an unknown value is an {@link InvalidSpecException}. */
    @JsonCreator
    public static HealthStatus fromWire(String wire) {
        return WireEnum.parse(HealthStatus.class, values(), wire, HealthStatus::wire);
    }
}
