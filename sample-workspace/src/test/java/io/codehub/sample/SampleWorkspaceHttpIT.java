package io.codehub.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The sample workspace's HTTP endpoints over real loopback sockets, asked by the JDK's HTTP client
 * (and a raw socket where the client hides what is checked: keep-alive, pipelining, HTTP/1.0).
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class SampleWorkspaceHttpIT {

    private static final long MIB = 1024 * 1024;

    private static final ByteArrayOutputStream LOG = new ByteArrayOutputStream();
    private static SampleWorkspace workspace;
    private static HttpClient client;
    private static int port;
    private static int secondPort;

    @BeforeAll
    static void start() {
        workspace = SampleWorkspace.start("127.0.0.1", List.of(0, 0), new PrintStream(LOG, true, StandardCharsets.UTF_8));
        port = workspace.ports().get(0);
        secondPort = workspace.ports().get(1);
        client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    }

    @AfterAll
    static void stop() {
        if (workspace != null) {
            workspace.close();
        }
    }

    private static HttpRequest.Builder request(String pathAndQuery) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + pathAndQuery)).timeout(Duration.ofSeconds(60));
    }

    private static HttpResponse<String> get(String pathAndQuery) throws Exception {
        return client.send(request(pathAndQuery).build(), BodyHandlers.ofString());
    }

    @Test
    void everyPortSaysHelloWithItsNumber() throws Exception {
        HttpResponse<String> first = get("/hello");
        HttpResponse<String> second = client.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + secondPort + "/hello")).build(), BodyHandlers.ofString());

        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(first.headers().firstValue("content-type")).hasValue("text/plain; charset=utf-8");
        assertThat(first.body()).isEqualTo("hello from port " + port + "\n");
        assertThat(second.body()).isEqualTo("hello from port " + secondPort + "\n");
        assertThat(secondPort).isNotEqualTo(port);
    }

    @Test
    void theIndexPageOpensAWebSocketOnItsOwnOrigin() throws Exception {
        HttpResponse<String> page = get("/");

        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("content-type")).hasValue("text/html; charset=utf-8");
        assertThat(page.body())
                .contains("<title>" + SampleWorkspace.TITLE + "</title>")
                .contains("<dd id=\"port\">" + port + "</dd>")
                .contains("id=\"ws-state\"", "id=\"echo\"")
                .contains("location.protocol === 'https:' ? 'wss://' : 'ws://'", "location.host + '/ws'")
                .contains("socket.send('hello from the browser')");
    }

    @Test
    void headersAreEchoedAsJson() throws Exception {
        HttpResponse<String> response = client.send(request("/headers?x=1")
                .header("X-Sample", "one").header("X-Sample", "two").header("X-Quoted", "say \"hi\"").build(),
                BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type")).hasValue("application/json");
        assertThat(response.body())
                .startsWith("{\n  \"_port\": " + port + ",\n  \"_method\": \"GET\",\n  \"_uri\": \"/headers?x=1\"")
                .contains("\"host\": [\"127.0.0.1:" + port + "\"]")
                .contains("\"x-sample\": [\"one\", \"two\"]")
                .contains("\"x-quoted\": [\"say \\\"hi\\\"\"]")
                .endsWith("}\n");
    }

    @Test
    void headAnswersWithTheLengthAndNoBody() throws Exception {
        HttpResponse<String> bytes = client.send(request("/bytes?n=12345").method("HEAD", BodyPublishers.noBody()).build(),
                BodyHandlers.ofString());
        HttpResponse<String> hello = client.send(request("/hello").method("HEAD", BodyPublishers.noBody()).build(),
                BodyHandlers.ofString());

        assertThat(bytes.statusCode()).isEqualTo(200);
        assertThat(bytes.headers().firstValue("content-length")).hasValue("12345");
        assertThat(bytes.body()).isEmpty();
        assertThat(hello.headers().firstValue("content-length")).hasValue(Integer.toString(("hello from port " + port + "\n").length()));
        assertThat(hello.body()).isEmpty();
    }

    @Test
    void bytesWithALengthOrChunked() throws Exception {
        HttpResponse<byte[]> sized = client.send(request("/bytes?n=1000").build(), BodyHandlers.ofByteArray());
        HttpResponse<byte[]> chunked = client.send(request("/bytes?n=100000&chunked=true").build(), BodyHandlers.ofByteArray());
        HttpResponse<byte[]> empty = client.send(request("/bytes?n=0").build(), BodyHandlers.ofByteArray());

        assertThat(sized.headers().firstValue("content-length")).hasValue("1000");
        assertThat(sized.headers().firstValue("content-type")).hasValue("application/octet-stream");
        assertPattern(sized.body(), 1000);
        assertThat(chunked.headers().firstValue("content-length")).isEmpty();
        assertThat(chunked.headers().firstValue("transfer-encoding")).hasValue("chunked");
        assertPattern(chunked.body(), 100_000);
        assertThat(empty.statusCode()).isEqualTo(200);
        assertThat(empty.body()).isEmpty();
    }

    @Test
    void a200MibDownloadStreamsThePattern() throws Exception {
        long length = 200 * MIB;
        HttpResponse<InputStream> response = client.send(request("/bytes?n=" + length).build(), BodyHandlers.ofInputStream());

        assertThat(response.headers().firstValueAsLong("content-length")).hasValue(length);
        long index = 0;
        byte[] buffer = new byte[64 * 1024];
        try (InputStream body = response.body()) {
            int read;
            while ((read = body.read(buffer)) > 0) {
                for (int i = 0; i < read; i++, index++) {
                    if (buffer[i] != PatternInput.byteAt(index)) {
                        throw new AssertionError("byte " + index + " is " + buffer[i] + ", expected " + PatternInput.byteAt(index));
                    }
                }
            }
        }
        assertThat(index).isEqualTo(length);
    }

    @Test
    void a200MibUploadIsHashedAsItStreams() throws Exception {
        long length = 200 * MIB;
        MessageDigest expected = MessageDigest.getInstance("SHA-256");
        byte[] block = new byte[1024 * 1024];
        for (int i = 0; i < block.length; i++) {
            block[i] = (byte) (i * 7 + i / 4096);
        }
        for (long sent = 0; sent < length; sent += block.length) {
            expected.update(block);
        }
        HttpRequest upload = request("/sha256")
                .POST(BodyPublishers.fromPublisher(BodyPublishers.ofInputStream(() -> new RepeatingStream(block, length)), length))
                .build();

        HttpResponse<String> response = client.send(upload, BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("{\"bytes\": " + length + ", \"sha256\": \""
                + HexFormat.of().formatHex(expected.digest()) + "\"}\n");
    }

    @Test
    void aChunkedUploadAndAnEmptyOneAreHashedToo() throws Exception {
        byte[] body = "the quick brown fox".repeat(10_000).getBytes(StandardCharsets.UTF_8);
        HttpRequest chunked = request("/sha256")
                .POST(BodyPublishers.ofInputStream(() -> new RepeatingStream(body, body.length))).build();

        HttpResponse<String> response = client.send(chunked, BodyHandlers.ofString());
        HttpResponse<String> empty = client.send(request("/sha256").POST(BodyPublishers.noBody()).build(), BodyHandlers.ofString());

        assertThat(response.body()).isEqualTo("{\"bytes\": " + body.length + ", \"sha256\": \""
                + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body)) + "\"}\n");
        assertThat(empty.body()).isEqualTo(
                "{\"bytes\": 0, \"sha256\": \"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\"}\n");
    }

    @Test
    @Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void serverSentEventsArriveOneByOne() throws Exception {
        int count = 4;
        long interval = 400;
        HttpResponse<Stream<String>> response = client.send(request("/sse?count=" + count + "&intervalMs=" + interval).build(),
                BodyHandlers.ofLines());

        assertThat(response.headers().firstValue("content-type")).hasValue("text/event-stream");
        List<String> events = new ArrayList<>();
        long firstEventAt = 0;
        try (Stream<String> lines = response.body()) {
            Iterator<String> it = lines.iterator();
            while (it.hasNext()) {
                String line = it.next();
                if (line.startsWith("data: ")) {
                    if (events.isEmpty()) {
                        firstEventAt = System.nanoTime();
                    }
                    events.add(line);
                }
            }
        }
        long afterFirst = Duration.ofNanos(System.nanoTime() - firstEventAt).toMillis();

        assertThat(events).containsExactly("data: event 0", "data: event 1", "data: event 2", "data: event 3");
        // The last event is sent (count - 1) intervals after the first: had the server or the
        // connection buffered the stream, the first would have come with the last.
        assertThat(afterFirst).isGreaterThanOrEqualTo((count - 1) * interval - 100);
    }

    @Test
    void delayAnswersAfterTheTimeAsked() throws Exception {
        long started = System.nanoTime();
        HttpResponse<String> response = get("/delay?ms=300");
        long took = Duration.ofNanos(System.nanoTime() - started).toMillis();

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("waited 300 ms\n");
        assertThat(took).isGreaterThanOrEqualTo(300);
    }

    @Test
    void dropOnceClosesTheFirstRequestOfAKeyUnansweredAndAnswersTheNext() throws Exception {
        assertThat(raw("GET /drop-once?key=41 HTTP/1.1\r\nHost: x\r\n\r\n")).as("closed, no answer").isEmpty();
        assertThat(raw("POST /drop-once?key=41 HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"))
                .startsWith("HTTP/1.1 200 OK").endsWith("answered on try 2\n");
        assertThat(get("/drop-once?key=41").body()).isEqualTo("answered on try 3\n");
        assertThat(raw("GET /drop-once?key=42 HTTP/1.1\r\nHost: x\r\n\r\n")).as("another key").isEmpty();
        assertThat(get("/drop-once").statusCode()).isEqualTo(400);
    }

    @Test
    void badParametersAreAnswered400() throws Exception {
        assertThat(get("/bytes").body()).isEqualTo("n: missing (expected: a number from 0 to 17179869184)\n");
        assertThat(get("/bytes?n=17179869185").statusCode()).isEqualTo(400);
        assertThat(get("/bytes?n=-1").statusCode()).isEqualTo(400);
        assertThat(get("/bytes?n=1&chunked=maybe").body()).isEqualTo("chunked: 'maybe' (expected: true or false)\n");
        assertThat(get("/delay?ms=600001").body()).isEqualTo("ms: '600001' (expected: a number from 0 to 600000)\n");
        assertThat(get("/sse?count=x").statusCode()).isEqualTo(400);
        assertThat(raw("GET /hello?bad=%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))
                .startsWith("HTTP/1.1 400 Bad Request")
                .contains("uri: '/hello?bad=%zz' cannot be decoded");
    }

    @Test
    void unknownPathsAre404AndWrongMethods405() throws Exception {
        HttpResponse<String> missing = get("/nothing/here");
        HttpResponse<String> postHello = client.send(request("/hello").POST(BodyPublishers.ofString("x")).build(),
                BodyHandlers.ofString());
        HttpResponse<String> getSha = get("/sha256");

        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(missing.body()).isEqualTo("not found: /nothing/here\n");
        assertThat(postHello.statusCode()).isEqualTo(405);
        assertThat(postHello.headers().firstValue("allow")).hasValue("GET, HEAD");
        assertThat(getSha.statusCode()).isEqualTo(405);
        assertThat(getSha.headers().firstValue("allow")).hasValue("POST");
    }

    @Test
    void pipelinedRequestsOnOneConnectionAreAnsweredInOrder() throws Exception {
        String answers = raw("GET /delay?ms=200 HTTP/1.1\r\nHost: x\r\n\r\n"
                + "GET /bytes?n=3&chunked=true HTTP/1.1\r\nHost: x\r\n\r\n"
                + "GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");

        assertThat(answers.split("HTTP/1.1 200 OK", -1)).hasSize(4);
        assertThat(answers.indexOf("waited 200 ms")).isLessThan(answers.indexOf("\r\n3\r\n\u0007&E\r\n0\r\n\r\n"));
        assertThat(answers.indexOf("\r\n3\r\n\u0007&E\r\n0\r\n\r\n")).isLessThan(answers.indexOf("hello from port"));
        assertThat(answers).endsWith("hello from port " + port + "\n");
    }

    @Test
    void http10WithoutKeepAliveIsClosedAfterTheAnswer() throws Exception {
        assertThat(raw("GET /hello HTTP/1.0\r\n\r\n"))
                .startsWith("HTTP/1.0 200 OK")
                .endsWith("hello from port " + port + "\n");
    }

    @Test
    void http10KeepAliveKeepsTheConnectionAndUnsizedBodiesEndWithIt() throws Exception {
        String answers = raw("GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"
                + "GET /bytes?n=3&chunked=true HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");

        assertThat(answers).startsWith("HTTP/1.0 200 OK\r\n").contains("connection: keep-alive\r\n")
                .contains("hello from port " + port + "\nHTTP/1.0 200 OK\r\n")
                .doesNotContain("transfer-encoding")
                .endsWith("\r\n\r\n\u0007&E");
    }

    @Test
    void aRequestTheDecoderRejectsIsAnswered400AndClosed() throws Exception {
        assertThat(raw("GET /" + "a".repeat(20_000) + " HTTP/1.1\r\nHost: x\r\n\r\n"))
                .startsWith("HTTP/1.1 400 Bad Request")
                .contains("connection: close")
                .contains("bad request: An HTTP line is larger than");
    }

    /** Writes {@code request} on a new connection and reads until the server closes it. */
    private static String raw(String request) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    @Test
    void everyRequestIsLoggedOnce() throws Exception {
        get("/hello?log-marker=1");
        get("/missing?log-marker=2");

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(LOG.toString(StandardCharsets.UTF_8))
                .containsOnlyOnce("\"GET /hello?log-marker=1 HTTP/1.1\" 200 ")
                .containsOnlyOnce("\"GET /missing?log-marker=2 HTTP/1.1\" 404 "));
    }

    private static void assertPattern(byte[] body, int length) {
        assertThat(body).hasSize(length);
        for (int i = 0; i < length; i++) {
            if (body[i] != PatternInput.byteAt(i)) {
                throw new AssertionError("byte " + i + " is " + body[i] + ", expected " + PatternInput.byteAt(i));
            }
        }
    }

    /** {@code length} bytes: {@code block} over and over, produced as read. */
    private static final class RepeatingStream extends InputStream {
        private final byte[] block;
        private final long length;
        private long position;

        RepeatingStream(byte[] block, long length) {
            this.block = block;
            this.length = length;
        }

        @Override
        public int read() {
            return position < length ? block[(int) (position++ % block.length)] & 0xff : -1;
        }

        @Override
        public int read(byte[] target, int offset, int size) throws IOException {
            if (position >= length) {
                return -1;
            }
            int from = (int) (position % block.length);
            int count = (int) Math.min(Math.min(size, block.length - from), length - position);
            System.arraycopy(block, from, target, offset, count);
            position += count;
            return count;
        }
    }
}
