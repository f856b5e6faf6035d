package io.codehub.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;

import org.junit.jupiter.api.Test;

class AgentIdentityTest {

    @Test
    void agentIdsAreValidated() {
        assertThat(AgentIdentity.isValidAgentId("agent-1")).isTrue();
        assertThat(AgentIdentity.isValidAgentId("A.b-9")).isTrue();
        assertThat(AgentIdentity.isValidAgentId("a".repeat(128))).isTrue();
        assertThat(AgentIdentity.isValidAgentId("a".repeat(129))).isFalse();
        assertThat(AgentIdentity.isValidAgentId("")).isFalse();
        assertThat(AgentIdentity.isValidAgentId("-a")).isFalse();
        assertThat(AgentIdentity.isValidAgentId("a/b")).isFalse();
        assertThat(AgentIdentity.isValidAgentId("a b")).isFalse();
        assertThatThrownBy(() -> AgentIdentity.requireValidAgentId("a\nb"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("agent id: 'a\\u000ab' (expected: 1 to 128 of [A-Za-z0-9.-], starting with a letter or digit)");
    }

    @Test
    void uriRoundTrips() {
        URI uri = AgentIdentity.uri("agent-1");
        assertThat(uri).hasToString("spiffe://codehub/agent/agent-1");
        assertThat(AgentIdentity.agentId(uri.toString())).contains("agent-1");
        assertThat(AgentIdentity.agentId("spiffe://codehub/agent/")).isEmpty();
        assertThat(AgentIdentity.agentId("spiffe://codehub/agent/a/b")).isEmpty();
        assertThat(AgentIdentity.agentId("spiffe://other/agent/a")).isEmpty();
    }
}
