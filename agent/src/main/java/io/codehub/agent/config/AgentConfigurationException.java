package io.codehub.agent.config;

/**
 * A configuration value the agent cannot start with. Carries the environment variable to change
 * and how, so that {@link AgentConfigurationFailureAnalyzer} can say both.
 */
public final class AgentConfigurationException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String variable;
    private final String action;

    public AgentConfigurationException(String variable, String problem, String action) {
        this(variable, problem, action, null);
    }

    public AgentConfigurationException(String variable, String problem, String action, Throwable cause) {
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
