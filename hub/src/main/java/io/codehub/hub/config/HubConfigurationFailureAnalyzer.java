package io.codehub.hub.config;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;

/**
 * Turns a {@link HubConfigurationException} into a start-up report that says what to change. It
 * runs ahead of Boot's own analyzers, which would otherwise report a value rejected while binding
 * as a generic binding failure.
 */
@Order(Ordered.HIGHEST_PRECEDENCE)
final class HubConfigurationFailureAnalyzer extends AbstractFailureAnalyzer<HubConfigurationException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, HubConfigurationException cause) {
        return new FailureAnalysis("The hub's configuration is invalid: " + cause.getMessage(), cause.action(), cause);
    }
}
