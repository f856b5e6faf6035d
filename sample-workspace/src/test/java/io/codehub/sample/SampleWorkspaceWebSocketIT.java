package io.codehub.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The WebSocket echo on {@code /ws} over loopback, with the JDK's WebSocket client. */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class SampleWorkspaceWebSocketIT {

    private static SampleWorkspace workspace;
    private static HttpClient client;
    private static int port;

    private final List<WebSocket> sockets = new ArrayList<>();

    @BeforeAll
    static void start() {
        workspace = SampleWorkspace.start("127.0.0.1", List.of(0), new PrintStream(new ByteArrayOutputStream(), true,
                StandardCharsets.UTF_8));
        port = workspace.ports().get(0);
        client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }

    @AfterAll
    static void stop() {
        if (workspace != null) {
            workspace.close();
        }
    }

    @AfterEach
    void closeSockets() {
        for (WebSocket socket : sockets) {
            socket.abort();
        }
    }

    private Messages connect(String path) {
        Messages messages = new Messages();
        WebSocket socket = client.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5))
                .buildAsync(URI.create("ws://127.0.0.1:" + port + path), messages).orTimeout(10, TimeUnit.SECONDS).join();
        sockets.add(socket);
        messages.socket = socket;
        return messages;
    }

    @Test
    void echoesTextAndBinaryMessages() throws Exception {
        Messages messages = connect("/ws");

        messages.socket.sendText("hello from the browser", true).get(10, TimeUnit.SECONDS);
        assertThat(messages.next()).isEqualTo("hello from the browser");
        messages.socket.sendBinary(ByteBuffer.wrap(new byte[] {0, 1, 2, (byte) 0xff}), true).get(10, TimeUnit.SECONDS);
        assertThat((byte[]) messages.next()).containsExactly(0, 1, 2, 0xff);
        messages.socket.sendText("héllo ✓", true).get(10, TimeUnit.SECONDS);
        assertThat(messages.next()).isEqualTo("héllo ✓");
    }

    @Test
    void echoesAOneMibMessage() throws Exception {
        Messages messages = connect("/ws");
        String large = "0123456789abcdef".repeat(64 * 1024);

        messages.socket.sendText(large, true).get(30, TimeUnit.SECONDS);

        assertThat(messages.next()).isEqualTo(large);
    }

    @Test
    void echoesA64MibBinaryMessage() throws Exception {
        Messages messages = connect("/ws");
        byte[] large = new byte[SampleWorkspace.MAX_FRAME_PAYLOAD];
        for (int i = 0; i < large.length; i++) {
            large[i] = PatternInput.byteAt(i);
        }

        messages.socket.sendBinary(ByteBuffer.wrap(large), true).get(60, TimeUnit.SECONDS);

        assertThat(Arrays.equals((byte[]) messages.next(), large)).as("the echo equals the 64 MiB sent").isTrue();
    }

    @Test
    void echoesAThousandSmallMessagesInOrder() throws Exception {
        Messages messages = connect("/ws");

        for (int i = 0; i < 1000; i++) {
            messages.socket.sendText("message " + i, true).get(10, TimeUnit.SECONDS);
        }

        for (int i = 0; i < 1000; i++) {
            assertThat(messages.next()).isEqualTo("message " + i);
        }
    }

    @Test
    void echoesAFragmentedMessageWhole() throws Exception {
        Messages messages = connect("/ws");

        messages.socket.sendText("first part, ", false).get(10, TimeUnit.SECONDS);
        messages.socket.sendText("second part, ", false).get(10, TimeUnit.SECONDS);
        messages.socket.sendText("last part", true).get(10, TimeUnit.SECONDS);
        messages.socket.sendBinary(ByteBuffer.wrap(new byte[] {1, 2}), false).get(10, TimeUnit.SECONDS);
        messages.socket.sendBinary(ByteBuffer.wrap(new byte[] {3}), true).get(10, TimeUnit.SECONDS);

        assertThat(messages.next()).isEqualTo("first part, second part, last part");
        assertThat((byte[]) messages.next()).containsExactly(1, 2, 3);
    }

    @Test
    void answersPingAndClose() throws Exception {
        Messages messages = connect("/ws?token=abc");

        messages.socket.sendPing(ByteBuffer.wrap(new byte[] {9})).get(10, TimeUnit.SECONDS);
        assertThat(messages.next()).isEqualTo("pong 9");
        messages.socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(10, TimeUnit.SECONDS);
        assertThat(messages.next()).isEqualTo("close 1000");
    }

    @Test
    void anotherPathIsNoWebSocket() {
        assertThatThrownBy(() -> client.newWebSocketBuilder()
                .buildAsync(URI.create("ws://127.0.0.1:" + port + "/hello"), new Messages()).orTimeout(10, TimeUnit.SECONDS).join())
                .isInstanceOf(CompletionException.class)
                .hasCauseInstanceOf(WebSocketHandshakeException.class);
    }

    @Test
    void theHttpEndpointsStillWorkAlongside() throws Exception {
        connect("/ws");

        assertThat(client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/hello")).build(),
                BodyHandlers.ofString()).body()).isEqualTo("hello from port " + port + "\n");
    }

    /** What one socket received: whole messages (String or byte[]), pongs and the close, in order. */
    private static final class Messages implements WebSocket.Listener {
        final BlockingQueue<Object> received = new LinkedBlockingQueue<>();
        private final StringBuilder text = new StringBuilder();
        private final ByteArrayOutputStream binary = new ByteArrayOutputStream();
        volatile WebSocket socket;

        Object next() throws InterruptedException {
            Object message = received.poll(60, TimeUnit.SECONDS);
            if (message == null) {
                throw new AssertionError("no message within 60 s");
            }
            return message;
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                received.add(text.toString());
                text.setLength(0);
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
            byte[] bytes = new byte[data.remaining()];
            data.get(bytes);
            binary.writeBytes(bytes);
            if (last) {
                received.add(binary.toByteArray());
                binary.reset();
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onPong(WebSocket webSocket, ByteBuffer message) {
            received.add("pong " + message.get());
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            received.add("close " + statusCode);
            return CompletableFuture.completedFuture(null);
        }
    }
}
