package io.codehub.runtime;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** When the runtime pulls the instance image, as Kubernetes' {@code imagePullPolicy}. */
public enum ImagePullPolicy {
    IF_NOT_PRESENT("IfNotPresent"),
    ALWAYS("Always"),
    NEVER("Never");

    private final String wire;

    ImagePullPolicy(String wire) {
        this.wire = wire;
    }

    /** The JSON form. */
    @JsonValue
    public String wire() {
        return wire;
    }

    /** Parses the JSON form; an unknown value is an {@link InvalidSpecException}. */
    @JsonCreator
    public static ImagePullPolicy fromWire(String wire) {
        return WireEnum.parse(ImagePullPolicy.class, values(), wire, ImagePullPolicy::wire);
    }
}
