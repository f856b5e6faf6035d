package io.codehub.hub.support;

import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;

/** Puts in-memory agents in place of RemoteRuntime in a hub under test. */
@TestConfiguration(proxyBeanMethods = false)
public class InMemoryAgentsConfiguration {

    @Bean
    @Primary
    InMemoryAgents inMemoryAgents() {
        return new InMemoryAgents();
    }
}
