package io.codehub.hub.agents;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ApiKeysTest {

    private final ApiKeys keys = new ApiKeys(4);

    @Test
    void issuesKeysThatOnlyTheirHashMatches() {
        ApiKeys.Issued issued = keys.issue("3f1c2d4e-aaaa-bbbb-cccc-1234567890ab");
        assertThat(issued.key()).startsWith("chk_3f1c2d4e-aaaa-bbbb-cccc-1234567890ab_");
        assertThat(issued.hash()).startsWith("$2a$04$").doesNotContain(issued.key().substring(41));
        ApiKeys.Presented presented = ApiKeys.parse(issued.key()).orElseThrow();
        assertThat(presented.agentId()).isEqualTo("3f1c2d4e-aaaa-bbbb-cccc-1234567890ab");
        assertThat(keys.matches(presented.secret(), issued.hash())).isTrue();
        ApiKeys.Issued other = keys.issue("3f1c2d4e-aaaa-bbbb-cccc-1234567890ab");
        assertThat(keys.matches(presented.secret(), other.hash())).isFalse();
        assertThat(issued.toString()).doesNotContain(presented.secret());
    }

    @Test
    void parseRefusesWhatIsNotAnAgentKey() {
        assertThat(ApiKeys.parse("chk_agent_tooshort")).isEmpty();
        assertThat(ApiKeys.parse("cha_" + "a".repeat(43))).isEmpty();
        assertThat(ApiKeys.parse("chk__" + "a".repeat(43))).isEmpty();
        assertThat(ApiKeys.parse("chk_agent-1_" + "a".repeat(43))).hasValueSatisfying(p -> {
            assertThat(p.agentId()).isEqualTo("agent-1");
            assertThat(p.secret()).hasSize(43);
        });
    }
}
