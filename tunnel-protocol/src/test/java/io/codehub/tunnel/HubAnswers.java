package io.codehub.tunnel;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What the fuzz tests require of anything the hub writes on its tunnel port before HTTP/2: one
 * HTTP/1.1 response head, either {@code 101} or a problem whose status and {@code type} belong to
 * one {@link HandshakeProblem}, or an endpoint's own answer.
 */
final class HubAnswers {

    static final Set<Integer> PROBLEM_STATUSES = Arrays.stream(HandshakeProblem.values())
            .map(HandshakeProblem::status).collect(Collectors.toUnmodifiableSet());

    private HubAnswers() {
    }

    /**
     * Checks the first response in {@code written} (ISO-8859-1 text of every byte written) and
     * returns its status; {@code endpointStatuses} are the statuses an endpoint may answer with.
     */
    static int checkFirstResponse(String written, Set<Integer> endpointStatuses) {
        assertThat(written).startsWith("HTTP/1.1 ").contains("\r\n\r\n");
        int status = Integer.parseInt(written.substring(9, 12));
        HandshakeTestSupport.Response response = HandshakeTestSupport.Response.parse(written);
        if (status == 101) {
            assertThat(response.header("upgrade")).isEqualTo(TunnelProtocol.UPGRADE_TOKEN);
            return status;
        }
        if (endpointStatuses.contains(status) && !TunnelProtocol.PROBLEM_JSON.equals(response.header("content-type"))) {
            return status;
        }
        assertThat(PROBLEM_STATUSES).as("status of %s", written.lines().findFirst().orElse("")).contains(status);
        assertThat(response.header("content-type")).isEqualTo(TunnelProtocol.PROBLEM_JSON);
        assertThat(response.header("connection").toLowerCase(Locale.ROOT)).contains("close");
        HandshakeProblem problem = HandshakeProblem.fromUri(ProblemBodies.stringMember(response.body(), "type"));
        assertThat(problem).as("problem type of %s", response.body()).isNotNull();
        assertThat(problem.status()).isEqualTo(status);
        return status;
    }
}
