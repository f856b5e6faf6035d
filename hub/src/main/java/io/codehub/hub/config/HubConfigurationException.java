package io.codehub.hub.config;

import org.jspecify.annotations.Nullable;

/**
 * A configuration value the hub cannot start with. Carries the environment variable to change and
 * how, so that {@link HubConfigurationFailureAnalyzer} can say both.
 */
public final class HubConfigurationException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String variable;
    private final String action;

    public HubConfigurationException(String variable, String problem, String action) {
        this(variable, problem, action, null);
    }

    public HubConfigurationException(String variable, String problem, String action, @Nullable Throwable cause) {
        super(variable + ": " + problem, cause);
        this.variable = variable;
        this.action = action;
    }

    /** The environment variable at fault, e.g. {@code CODEHUB_DATABASE_URL}. */
    public String variable() {
        return variable;
    }

    /** What to do about it. */
    public String action() {
        return action;
    }
}
