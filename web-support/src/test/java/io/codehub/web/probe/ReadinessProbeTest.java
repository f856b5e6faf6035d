package io.codehub.web.probe;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ReadinessProbeTest {

    private final AtomicInteger status = new AtomicInteger(200);
    private final AtomicReference<String> path = new AtomicReference<>();
    private final ByteArrayOutputStream printed = new ByteArrayOutputStream();
    private HttpServer server;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            path.set(exchange.getRequestURI().getPath());
            String json = status.get() == 200 ? "{\"status\":\"UP\"}" : "{\"status\":\"DOWN\"}";
            byte[] body = json.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(status.get(), body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    @Test
    void readyWhenTheProbeAnswers200OnTheDefaultPathOfServerPort() {
        int code = probe(new String[0], Map.of("SERVER_PORT", Integer.toString(server.getAddress().getPort())));

        assertThat(code).isZero();
        assertThat(path.get()).isEqualTo(ReadinessProbe.READINESS_PATH);
        assertThat(printed()).contains(": 200 {\"status\":\"UP\"}");
    }

    @Test
    void notReadyWhenTheProbeAnswers503() {
        status.set(503);

        int code = probe(new String[] {url("/actuator/health/readiness")}, Map.of());

        assertThat(code).isEqualTo(1);
        assertThat(printed()).contains(": 503 {\"status\":\"DOWN\"}");
    }

    @Test
    void notReadyWhenNothingListens() throws IOException {
        int port;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }

        int code = probe(new String[] {"http://127.0.0.1:" + port + "/actuator/health/readiness"}, Map.of());

        assertThat(code).isEqualTo(1);
        assertThat(printed()).contains("http://127.0.0.1:" + port).contains("failed").contains("ConnectException");
    }

    @Test
    void anUnusableArgumentIsAFailureThatSaysWhy() {
        assertThat(probe(new String[] {"not a url"}, Map.of())).isEqualTo(1);
        assertThat(printed()).contains("not a url").contains("failed");
        assertThat(probe(new String[] {"a", "b"}, Map.of())).isEqualTo(2);
    }

    private int probe(String[] args, Map<String, String> environment) {
        return ReadinessProbe.probe(args, environment, new PrintStream(printed, true, StandardCharsets.UTF_8));
    }

    private String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    private String printed() {
        return printed.toString(StandardCharsets.UTF_8);
    }
}
