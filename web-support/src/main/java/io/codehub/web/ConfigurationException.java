package io.codehub.web;

import org.jspecify.annotations.Nullable;

/**
 * A setting the application cannot start with. Carries the environment variable to change and
 * how, so that the start-up report ({@link ConfigurationFailureAnalyzer}) can say both.
 */
public final class ConfigurationException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String variable;
    private final String action;

    public ConfigurationException(String variable, String problem, String action) {
        this(variable, problem, action, null);
    }

    public ConfigurationException(String variable, String problem, String action, @Nullable Throwable cause) {
        super(variable + ": " + problem, cause);
        this.variable = variable;
        this.action = action;
    }

    /** The environment variable at fault, e.g. {@code CODEHUB_AGENT_ID}. */
    public String variable() {
        return variable;
    }

    /** What to do about it. */
    public String action() {
        return action;
    }
}
