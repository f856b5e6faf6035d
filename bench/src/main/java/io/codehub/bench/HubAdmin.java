package io.codehub.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The hub's admin API on a 127.0.0.1 port, as the bench sets its stack up with it: JSON in, JSON
 * out, every call bounded by a timeout. An unexpected status fails with the call, the status and
 * the problem the hub answered. Thread-safe.
 */
final class HubAdmin {

    static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final URI base;
    private final String token;

    HubAdmin(int port, String token) {
        this.base = URI.create("http://127.0.0.1:" + port);
        this.token = token;
    }

    /** {@code GET path}, expecting 200. */
    JsonNode get(String path) throws IOException, InterruptedException {
        return expect(200, "GET " + path, send(request(path).GET()));
    }

    /** The status of {@code GET path}. */
    int status(String path) throws IOException, InterruptedException {
        return send(request(path).GET()).statusCode();
    }

    /** {@code POST path} with a JSON body, expecting {@code status}. */
    JsonNode post(String path, Object body, int status) throws IOException, InterruptedException {
        return expect(status, "POST " + path, send(request(path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)))));
    }

    /** {@code DELETE path}; the status. */
    int delete(String path) throws IOException, InterruptedException {
        return send(request(path).DELETE()).statusCode();
    }

    /** The status of the readiness probe (no token). */
    int readiness() throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(base.resolve("/actuator/health/readiness")).timeout(TIMEOUT).GET().build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(base.resolve(path)).timeout(TIMEOUT)
                .header("Authorization", "Bearer " + token).header("Accept", "application/json");
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode expect(int status, String call, HttpResponse<String> response) {
        if (response.statusCode() != status) {
            throw new IllegalStateException(call + " answered " + response.statusCode() + " (expected " + status + "): "
                    + response.body());
        }
        String body = response.body();
        return body.isBlank() ? JSON.createObjectNode() : JSON.readTree(body);
    }
}
