package io.codehub.hub.problem;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;

import io.codehub.web.Problem;
import org.junit.jupiter.api.Test;

class HubProblemTypeTest {

    @Test
    void typesAreThePublishedOnes() {
        // API clients match on these bytes: a change breaks them
        assertThat(Arrays.stream(HubProblemType.values()).map(type -> type.uri() + " " + type.status()))
                .containsExactly(
                        "urn:codehub:problem:validation-failed 400",
                        "urn:codehub:problem:access-denied 403",
                        "urn:codehub:problem:agent-not-found 404",
                        "urn:codehub:problem:workspace-not-found 404",
                        "urn:codehub:problem:agent-has-workspaces 409",
                        "urn:codehub:problem:no-eligible-agent 409",
                        "urn:codehub:problem:invalid-transition 409",
                        "urn:codehub:problem:pki-not-configured 409",
                        "urn:codehub:problem:no-tunnel-session 409",
                        "urn:codehub:problem:uri-too-long 414",
                        "urn:codehub:problem:too-many-failed-authentications 429",
                        "urn:codehub:problem:request-headers-too-large 431",
                        "urn:codehub:problem:agent-not-connected 503",
                        "urn:codehub:problem:database-unavailable 503",
                        "urn:codehub:problem:too-many-event-streams 503");
    }

    @Test
    void aProblemCarriesTheTypeItsTitleAndStatus() {
        Problem problem = Problem.of(HubProblemType.NO_ELIGIBLE_AGENT, "no agent in region eu");
        assertThat(problem.type()).hasToString("urn:codehub:problem:no-eligible-agent");
        assertThat(problem.title()).isEqualTo("No eligible agent");
        assertThat(problem.status()).isEqualTo(409);
        assertThat(problem.detail()).isEqualTo("no agent in region eu");
    }
}
