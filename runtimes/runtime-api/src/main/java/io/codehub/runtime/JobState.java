package io.codehub.runtime;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** State of an archive or restore job. */
public enum JobState {
    PENDING("pending"),
    RUNNING("running"),
    SUCCEEDED("succeeded"),
    FAILED("failed");

    private final String wire;

    JobState(String wire) {
        this.wire = wire;
    }

    /** Whether the job has ended, successfully or not. */
    public boolean isTerminal() {
        return this == SUCCEEDED || this == FAILED;
    }

    /** The JSON form. */
    @JsonValue
    public String wire() {
        return wire;
    }

    /** Parses the JSON form; an unknown value is an {@link InvalidSpecException}. */
    @JsonCreator
    public static JobState fromWire(String wire) {
        return WireEnum.parse(JobState.class, values(), wire, JobState::wire);
    }
}
