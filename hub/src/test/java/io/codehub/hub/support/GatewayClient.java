package io.codehub.hub.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Consumer;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufFlux;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.HttpClientResponse;
import reactor.netty.http.client.WebsocketClientSpec;
import reactor.netty.http.websocket.WebsocketInbound;
import reactor.netty.http.websocket.WebsocketOutbound;
import reactor.netty.resources.ConnectionProvider;

/**
 * A client of the workspace gateway on loopback that sends any {@code Host} (a browser would
 * resolve {@code *.apps.localhost} to loopback by itself): Reactor Netty for HTTP bodies and
 * WebSockets, a plain socket for requests no well-behaved client sends.
 */
public final class GatewayClient {

    /** A response with its whole body (small ones only). */
    public record Response(int status, HttpHeaders headers, String body) {
        public String header(String name) {
            return headers.get(name);
        }
    }

    private final int port;
    private final HttpClient http;

    public GatewayClient(int port) {
        this.port = port;
        this.http = HttpClient.create(ConnectionProvider.newConnection()).host("127.0.0.1").port(port)
                .responseTimeout(Duration.ofSeconds(20));
    }

    /** The underlying client, with {@code Host} and {@code headers} set, for streaming calls. */
    public HttpClient client(String host, Map<String, String> headers) {
        return http.headers(h -> {
            h.set("Host", host);
            headers.forEach(h::set);
        });
    }

    /** A request with a small body (or none); the whole response body as text. */
    public Response send(HttpMethod method, String host, String path, Map<String, String> headers,
            @Nullable String body) {
        Publisher<io.netty.buffer.ByteBuf> content = body == null ? Mono.empty()
                : ByteBufFlux.fromString(Mono.just(body));
        return client(host, headers).request(method).uri(path).send(content)
                .responseSingle((response, bytes) -> bytes.asString(StandardCharsets.UTF_8).defaultIfEmpty("")
                        .map(text -> new Response(response.status().code(), response.responseHeaders(), text)))
                .block(Duration.ofSeconds(60));
    }

    /** A GET; the whole response body as text. */
    public Response get(String host, String path, Map<String, String> headers) {
        return send(HttpMethod.GET, host, path, headers, null);
    }

    /** Opens a WebSocket at {@code path} and runs {@code session} on it. */
    public <T> Flux<T> websocket(String host, String path, Map<String, String> headers,
            BiFunction<WebsocketInbound, WebsocketOutbound, Publisher<T>> session) {
        return client(host, headers)
                .websocket(WebsocketClientSpec.builder().maxFramePayloadLength(64 * 1024 * 1024).build())
                .uri(path)
                .handle(session);
    }

    /** Sends {@code request} as raw bytes on a new connection; the raw answer up to {@code max} bytes or EOF. */
    public String raw(String request, int max) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = socket.getInputStream();
            byte[] answer = in.readNBytes(max);
            return new String(answer, StandardCharsets.ISO_8859_1);
        }
    }

    /**
     * Writes {@code request} on a kept-alive {@code socket} (plain or TLS) and reads one response:
     * its head, and a {@code Content-Length} body, which is skipped. Answers the head.
     */
    public static String exchange(Socket socket, String request) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(request.getBytes(StandardCharsets.US_ASCII));
        out.flush();
        InputStream in = socket.getInputStream();
        String head = readHead(in);
        in.readNBytes(contentLength(head));
        return head;
    }

    /** The {@code Content-Length} of a raw request or response head; 0 when it has none. */
    public static int contentLength(String head) {
        int length = 0;
        for (String line : head.split("\r\n")) {
            if (line.regionMatches(true, 0, "content-length:", 0, 15)) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        return length;
    }

    /** Reads a response head, up to and with its empty line, a byte at a time (nothing after it). */
    public static String readHead(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection closed after: " + head);
            }
            head.append((char) b);
        }
        return head.toString();
    }

    /** The status code of a raw HTTP answer. */
    public static int status(String rawAnswer) {
        List<String> parts = List.of(rawAnswer.split(" ", 3));
        return parts.size() < 2 ? -1 : Integer.parseInt(parts.get(1));
    }

    /** A cookie header value of {@code setCookie}'s name and value. */
    public static String cookieOf(String setCookie) {
        int semicolon = setCookie.indexOf(';');
        return semicolon < 0 ? setCookie : setCookie.substring(0, semicolon);
    }

    /** For {@link HttpClientResponse} checks in streaming calls. */
    public static void requireOk(HttpClientResponse response, Consumer<String> onError) {
        if (response.status().code() != 200) {
            onError.accept("status " + response.status());
        }
    }

    /** The frames of a WebSocket as text, for tests. */
    public static String text(WebSocketFrame frame) {
        return frame.content().toString(StandardCharsets.UTF_8);
    }
}
