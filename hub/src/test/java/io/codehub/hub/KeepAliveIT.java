package io.codehub.hub;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.codehub.hub.support.AgentProcess;
import io.codehub.hub.support.HubProcess;
import io.codehub.hub.support.TestFiles;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tools.jackson.databind.JsonNode;

/**
 * HTTP/1.1 keep-alive against the shipped jars (their {@code main}, as operators run them): a
 * client that sends its next request as soon as it has the last answer, after an answer that was
 * completed off the event loop (the health probes'), is always answered. Reactor Netty 1.3 lost
 * such a request for good (reactor-netty issue 4361): the connection was never read again, the
 * hub's calls to an agent and an admin's calls to the hub hung until their timeouts. Both
 * processes now start with {@code ReactorNettyDefaults}; without it this test fails in its first
 * rounds. (Tests' in-JVM servers get the same setting from the build.)
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class KeepAliveIT {

    private static final String ADMIN_TOKEN = "keep-alive-admin-token-0123456789";
    private static final int ROUNDS = 200;
    private static final Duration ANSWER = Duration.ofSeconds(10);

    private static Path dir;
    private static HubProcess hub;
    private static AgentProcess agent;

    @BeforeAll
    static void startTheJars() throws Exception {
        dir = Files.createTempDirectory("keep-alive-it");
        hub = HubProcess.start("hub", dir, ADMIN_TOKEN, Map.of("CODEHUB_HUB_GATEWAY_ENABLED", "false"))
                .awaitReady(Duration.ofSeconds(90));
        String pem = hub.adminClient().get().uri("/api/v1/hub").exchange().expectStatus().isOk()
                .expectBody(JsonNode.class).returnResult().getResponseBody().get("publicKeyPem").asString();
        agent = AgentProcess.start("keep-alive-agent", pem, dir.resolve("agent"));
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (agent != null) {
                agent.close();
            }
            if (hub != null) {
                hub.terminate(Duration.ofSeconds(20));
                hub.close();
            }
        } finally {
            TestFiles.deleteRecursively(dir);
        }
    }

    @Test
    void theHubAnswersEveryRequestOnAKeptAliveConnection() throws Exception {
        String admin = "Authorization: Bearer " + ADMIN_TOKEN + "\r\n";
        everyRequestIsAnswered(hub.apiPort(), List.of(get("/actuator/health/liveness", ""), get("/api/v1/hub", admin),
                get("/api/v1/agents?limit=1", admin)));
    }

    @Test
    void theAgentAnswersEveryRequestOnAKeptAliveConnection() throws Exception {
        int port = URI.create(agent.endpoint()).getPort();
        // Without a hub token the Agent API answers 401 on the event loop: quick, as the hub's calls are.
        everyRequestIsAnswered(port, List.of(get("/actuator/health/readiness", ""), get("/health", ""),
                get("/instances", "")));
    }

    private static String get(String target, String headers) {
        return "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + headers + "\r\n";
    }

    /** {@link #ROUNDS} connections, each sending {@code requests} one after the other, each as soon as the last is answered. */
    private static void everyRequestIsAnswered(int port, List<String> requests) throws IOException {
        for (int round = 0; round < ROUNDS; round++) {
            try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
                socket.setSoTimeout((int) ANSWER.toMillis());
                InputStream in = new BufferedInputStream(socket.getInputStream());
                OutputStream out = socket.getOutputStream();
                for (String request : requests) {
                    out.write(request.getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    try {
                        readAnswer(in);
                    } catch (SocketTimeoutException e) {
                        throw new AssertionError("round " + round + ": no answer in " + ANSWER + " to "
                                + request.lines().findFirst().orElseThrow() + " on a kept-alive connection", e);
                    }
                }
            }
        }
    }

    /** Reads one answer: its head, then a body of Content-Length bytes or chunks. */
    private static void readAnswer(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (head.length() < 4 || !head.substring(head.length() - 4).equals("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                throw new EOFException("closed after " + head);
            }
            head.append((char) c);
        }
        String lower = head.toString().toLowerCase(Locale.ROOT);
        assertThat(lower).startsWith("http/1.1 ");
        if (lower.contains("transfer-encoding: chunked")) {
            for (int size = chunkSize(in); size > 0; size = chunkSize(in)) {
                in.readNBytes(size + 2);
            }
            in.readNBytes(2);
            return;
        }
        int at = lower.indexOf("content-length:");
        if (at >= 0) {
            in.readNBytes(Integer.parseInt(lower.substring(at + 15, lower.indexOf("\r\n", at)).trim()));
        }
    }

    private static int chunkSize(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int c = in.read(); c != '\n'; c = in.read()) {
            if (c < 0) {
                throw new EOFException("closed in a chunk header");
            }
            line.append((char) c);
        }
        return Integer.parseInt(line.toString().trim().split(";")[0], 16);
    }
}
