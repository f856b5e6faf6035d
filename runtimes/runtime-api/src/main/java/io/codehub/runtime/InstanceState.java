package io.codehub.runtime;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** State of a workspace instance as the backend reports it. */
public enum InstanceState {
    CREATING("creating"),
    RUNNING("running"),
    EXITED("exited"),
    MISSING("missing"),
    ERROR("error");

    private final String wire;

    InstanceState(String wire) {
        this.wire = wire;
    }

    /** The JSON form. */
    @JsonValue
    public String wire() {
        return wire;
    }

    /** Parses the JSON form; an unknown value is an {@link InvalidSpecException}. */
    @JsonCreator
    public static InstanceState fromWire(String wire) {
        return WireEnum.parse(InstanceState.class, values(), wire, InstanceState::wire);
    }
}
