package io.codehub.agent.config;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Turns an {@link AgentConfigurationException} into a start-up report that says what to change. */
final class AgentConfigurationFailureAnalyzer extends AbstractFailureAnalyzer<AgentConfigurationException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, AgentConfigurationException cause) {
        return new FailureAnalysis("The agent's configuration is invalid: " + cause.getMessage(),
                cause.action(), cause);
    }
}
