package io.codehub.agent.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.codehub.runtime.contract.AgentApiConformance;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A plain HTTP client for the agent in tests: real sockets, real tokens, and every response
 * checked against the OpenAPI document before the test looks at it.
 */
final class AgentApiClient {

    private static final AgentApiConformance DOCUMENT = AgentApiConformance.load();
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Set<String> EXERCISED = ConcurrentHashMap.newKeySet();

    private final String base;
    private final String authorization;

    AgentApiClient(int port, String token) {
        this(port, token == null ? null : "Bearer " + token, true);
    }

    private AgentApiClient(int port, String authorization, boolean unused) {
        this.base = "http://127.0.0.1:" + port;
        this.authorization = authorization;
    }

    /** A client sending {@code authorization} verbatim (or no header when null). */
    static AgentApiClient withAuthorization(int port, String authorization) {
        return new AgentApiClient(port, authorization, true);
    }

    Reply get(String path) {
        return send("GET", path, null, null);
    }

    Reply delete(String path) {
        return send("DELETE", path, null, null);
    }

    Reply post(String path, String json) {
        return send("POST", path, json, "application/json");
    }

    /** Sends a request and validates the response against the document (unless it is off-document). */
    Reply send(String method, String path, String body, String contentType) {
        Reply reply = raw(method, path, body, contentType, authorization);
        EXERCISED.add(DOCUMENT.assertResponse(method, path, reply.status, reply.contentType, reply.body));
        return reply;
    }

    /** The document's operations that no validated response has exercised yet. */
    static List<String> unexercisedOperations() {
        return DOCUMENT.operations().stream().filter(operation -> !EXERCISED.contains(operation)).toList();
    }

    /** Sends a request without validating it; for routes the document does not have. */
    Reply raw(String method, String path, String body, String contentType, String authorization) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(90))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        try {
            // A client per request: a connection the agent closed after refusing a body (413) is never reused.
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return new Reply(response.statusCode(), response.headers().firstValue("Content-Type").orElse(null),
                    response.body(), response.headers());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    record Reply(int status, String contentType, String body, HttpHeaders headers) {

        JsonNode json() {
            return JSON.readTree(body);
        }

        /** Asserts a problem+json answer of {@code status} with type {@code urn:codehub:problem:<slug>}. */
        Reply assertProblem(int expectedStatus, String slug) {
            assertThat(status).as("status of %s", body).isEqualTo(expectedStatus);
            assertThat(contentType).startsWith("application/problem+json");
            assertThat(json().get("type").asString()).isEqualTo("urn:codehub:problem:" + slug);
            assertThat(json().get("detail").asString()).isNotBlank();
            return this;
        }

        String detail() {
            return json().get("detail").asString();
        }
    }
}
