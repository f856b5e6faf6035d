package io.codehub.runtime;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** What a job does. */
public enum JobKind {
    ARCHIVE("archive"),
    RESTORE("restore");

    private final String wire;

    JobKind(String wire) {
        this.wire = wire;
    }

    /** The JSON form. */
    @JsonValue
    public String wire() {
        return wire;
    }

    /** Parses the JSON form; an unknown value is an {@link InvalidSpecException}. */
    @JsonCreator
    public static JobKind fromWire(String wire) {
        return WireEnum.parse(JobKind.class, values(), wire, JobKind::wire);
    }
}
