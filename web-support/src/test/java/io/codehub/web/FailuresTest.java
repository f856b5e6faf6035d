package io.codehub.web;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class FailuresTest {

    @Test
    void frameworkMessagesLoseTheirClassNames() {
        assertThat(Failures.forClients("No request body for: public reactor.core.publisher.Mono<org.springframework.http"
                + ".ResponseEntity<io.codehub.hub.agents.AgentWithKey>> io.codehub.hub.agents.AgentController.register("
                + "io.codehub.hub.agents.RegisterAgentRequest)")).isEqualTo("No request body");
        assertThat(Failures.forClients("Cannot deserialize value of type `java.lang.String` from Array value "
                + "(token `JsonToken.START_ARRAY`)")).isEqualTo("Cannot deserialize value of type a string from Array value");
        assertThat(Failures.forClients("Cannot deserialize value of type `io.codehub.hub.agents.RegisterAgentRequest` "
                + "from Array value (token `JsonToken.START_ARRAY`)\n at [Source: ...]"))
                .isEqualTo("Cannot deserialize value of type an object from Array value");
        assertThat(Failures.forClients("Cannot coerce `java.util.List<java.lang.String>` from io.codehub.X"))
                .isEqualTo("Cannot coerce an array from a value");
        assertThat(Failures.forClients("Unexpected end-of-input: expected close marker for Object"))
                .isEqualTo("Unexpected end-of-input: expected close marker for Object");
        assertThat(Failures.forClients(null)).isEqualTo("invalid value");
    }
}
