package io.codehub.hub.ha;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpServer;
import io.codehub.hub.support.GatewayClient;
import io.codehub.hub.support.Haproxy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the shipped HAProxy configuration does with a request that a hub closes without answering:
 * a hub that dies under a request (SIGKILL, OOM, a crash) or closes a connection it had just
 * accepted. Behind it two stand-in servers on loopback, both healthy to HAProxy's checks: one reads
 * each request and closes the connection without a byte of answer, the other answers 200. An
 * idempotent request (GET) that met the first is sent again to the second, so the client never sees
 * it; a POST never is (it may have done its work), so its client gets HAProxy's 502. Stand-ins, not
 * hubs: a hub must never do this on purpose, and what is asserted here is the load balancer's policy.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class HaproxyRetryIT {

    @TempDir
    Path dir;

    private HttpServer health;
    private StandIn closes;
    private StandIn answers;
    private Haproxy haproxy;

    @BeforeEach
    void start() throws IOException {
        health = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        health.createContext("/", exchange -> {
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        health.start();
        int check = health.getAddress().getPort();
        closes = new StandIn(false);
        answers = new StandIn(true);
        List<Haproxy.Server> servers = List.of(new Haproxy.Server("closes", closes.port(), check),
                new Haproxy.Server("answers", answers.port(), check));
        Map<String, List<Haproxy.Server>> backends = new LinkedHashMap<>();
        for (String backend : List.of("tunnel_hubs", "api_hubs", "gateway_hubs")) {
            backends.put(backend, servers);
        }
        haproxy = Haproxy.start(backends, dir.resolve("haproxy"));
        for (String backend : List.of("api_hubs", "gateway_hubs")) {
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
                    .until(() -> haproxy.serverStates(backend).values().stream().allMatch("UP"::equals));
        }
    }

    @AfterEach
    void stop() {
        if (haproxy != null) {
            haproxy.close();
        }
        for (StandIn standIn : new StandIn[] {closes, answers}) {
            if (standIn != null) {
                standIn.close();
            }
        }
        if (health != null) {
            health.stop(0);
        }
    }

    @Test
    void aGetThatAHubClosedUnansweredIsSentToAnotherHubThroughBothHttpFrontends() throws Exception {
        for (String frontend : List.of("gateway", "api")) {
            for (int i = 0; i < 6; i++) {
                Answer answer = send(frontend, "GET", "/get-" + frontend + "-" + i);
                assertThat(answer.status()).as(frontend + " GET " + i).isEqualTo(200);
                assertThat(answer.body()).isEqualTo("answered /get-" + frontend + "-" + i);
            }
        }
        // Round robin sent some of them to the server that closes: those were sent again.
        assertThat(closes.requests("GET")).as("GETs the closing server read").isPositive();
        assertThat(answers.requests("GET")).isEqualTo(12);
    }

    @Test
    void aPostThatAHubClosedUnansweredIsNeverSentTwice() throws Exception {
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            statuses.add(send("gateway", "POST", "/post-" + i).status());
        }
        int lost = closes.requests("POST");
        assertThat(lost).as("POSTs the closing server read").isPositive();
        assertThat(statuses).filteredOn(status -> status == 502).as(statuses.toString()).hasSize(lost);
        assertThat(statuses).filteredOn(status -> status == 200).hasSize(6 - lost);
        assertThat(answers.requests("POST")).isEqualTo(6 - lost);
    }

    /**
     * {@code method path} through {@code frontend} on a connection of its own ({@code Connection:
     * close}, as a first request: HAProxy closes a kept-alive client connection silently instead of
     * answering 502, for the client to retry), a small JSON body for a POST; the answer's status and body.
     */
    private Answer send(String frontend, String method, String path) throws IOException {
        String body = method.equals("POST") ? "{\"n\":1}" : "";
        String answer = new GatewayClient(haproxy.port(frontend)).raw(method + " " + path
                + " HTTP/1.1\r\nHost: retry-it\r\nConnection: close\r\n"
                + (body.isEmpty() ? "" : "Content-Type: application/json\r\nContent-Length: " + body.length() + "\r\n")
                + "\r\n" + body, 64 * 1024);
        assertThat(answer).as(method + " " + path + " through " + frontend).startsWith("HTTP/1.1 ");
        int headEnd = answer.indexOf("\r\n\r\n");
        return new Answer(GatewayClient.status(answer), headEnd < 0 ? "" : answer.substring(headEnd + 4));
    }

    private record Answer(int status, String body) {
    }

    /**
     * A loopback HTTP/1.1 server that reads each request (head, and a body of {@code Content-Length})
     * and counts it by method, then answers {@code 200 answered <path>} or closes the connection
     * without a byte.
     */
    private static final class StandIn implements AutoCloseable {

        private final ServerSocket socket;
        private final boolean answer;
        private final Map<String, AtomicInteger> requests = new ConcurrentHashMap<>();
        private final ExecutorService threads = Executors.newCachedThreadPool();

        StandIn(boolean answer) throws IOException {
            this.answer = answer;
            this.socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            threads.execute(this::accept);
        }

        int port() {
            return socket.getLocalPort();
        }

        int requests(String method) {
            AtomicInteger count = requests.get(method);
            return count == null ? 0 : count.get();
        }

        private void accept() {
            while (!socket.isClosed()) {
                try {
                    Socket connection = socket.accept();
                    threads.execute(() -> serve(connection));
                } catch (IOException e) {
                    return; // closed
                }
            }
        }

        private void serve(Socket connection) {
            try (connection) {
                connection.setSoTimeout(10_000);
                InputStream in = connection.getInputStream();
                String head = GatewayClient.readHead(in);
                String[] requestLine = head.substring(0, head.indexOf("\r\n")).split(" ");
                in.readNBytes(GatewayClient.contentLength(head));
                requests.computeIfAbsent(requestLine[0], m -> new AtomicInteger()).incrementAndGet();
                if (answer) {
                    byte[] body = ("answered " + requestLine[1]).getBytes(StandardCharsets.US_ASCII);
                    OutputStream out = connection.getOutputStream();
                    out.write(("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + body.length
                            + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                    out.write(body);
                    out.flush();
                }
            } catch (IOException e) {
                // the client went away (before a whole head, too): nothing to count
            }
        }

        @Override
        public void close() {
            try {
                socket.close();
            } catch (IOException e) {
                // closing anyway
            }
            threads.shutdownNow();
        }
    }
}
