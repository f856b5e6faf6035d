package io.codehub.web;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;

/**
 * Turns a {@link ConfigurationException} into a start-up report that names the setting and says
 * what to change. It runs ahead of Boot's own analyzers, which would otherwise report a value
 * rejected while binding as a generic binding failure.
 */
@Order(Ordered.HIGHEST_PRECEDENCE)
public final class ConfigurationFailureAnalyzer extends AbstractFailureAnalyzer<ConfigurationException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, ConfigurationException cause) {
        return new FailureAnalysis("Invalid configuration: " + cause.getMessage(), cause.action(), cause);
    }
}
