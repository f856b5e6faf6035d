package io.codehub.tunnel;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
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
     * returns its status; {@code endpointStatuses} are the statuses an endpoint may answer with;
     * {@code head}: the request may have been a HEAD, whose answer has no body (RFC 9110 9.3.2).
     */
    static int checkFirstResponse(String written, Set<Integer> endpointStatuses, boolean head) {
        assertThat(written).startsWith("HTTP/1.1 ").contains("\r\n\r\n");
        int status = Integer.parseInt(written.substring(9, 12));
        int end = written.indexOf("\r\n\r\n");
        Map<String, String> headers = new HashMap<>();
        for (String line : written.substring(0, end).split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
            }
        }
        if (status == 101) {
            assertThat(headers.get("upgrade")).isEqualTo(TunnelProtocol.UPGRADE_TOKEN);
            return status;
        }
        String contentType = headers.get("content-type");
        if (endpointStatuses.contains(status) && !TunnelProtocol.PROBLEM_JSON.equals(contentType)) {
            return status;
        }
        assertThat(PROBLEM_STATUSES).as("status of %s", written.lines().findFirst().orElse("")).contains(status);
        assertThat(contentType).isEqualTo(TunnelProtocol.PROBLEM_JSON);
        assertThat(headers.get("connection").toLowerCase(Locale.ROOT)).contains("close");
        int length = Integer.parseInt(headers.get("content-length"));
        String rest = written.substring(end + 4);
        if (head && rest.length() < length) {
            return status;
        }
        String body = rest.substring(0, length);
        HandshakeProblem problem = HandshakeProblem.fromUri(ProblemBodies.stringMember(body, "type"));
        assertThat(problem).as("problem type of %s", body).isNotNull();
        assertThat(problem.status()).isEqualTo(status);
        return status;
    }
}
