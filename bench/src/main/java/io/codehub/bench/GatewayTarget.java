package io.codehub.bench;

import java.net.URI;
import java.nio.charset.StandardCharsets;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import org.jspecify.annotations.Nullable;

/**
 * One path to the sample app that {@code bench gateway} measures: the loopback port to connect to,
 * the {@code Host} every request names, and the gateway's bearer token (none for the app's own
 * published port). {@link #toString()} never shows the token.
 *
 * @param name   {@code upstream}, {@code direct} or {@code tunnel}: the suffix of the JSON keys
 * @param port   the 127.0.0.1 port connections go to (the app's published port, or the gateway's)
 * @param host   the {@code Host} header value, with the port ({@code <id>.apps.localhost:<port>} for the gateway)
 * @param bearer the gateway session token ({@code chs1.}...), or null when the path needs none
 */
record GatewayTarget(String name, int port, String host, @Nullable String bearer) {

    GatewayTarget {
        if (port <= 0 || port > 65_535) {
            throw new IllegalArgumentException("port: " + port + " (expected: 1..65535)");
        }
        if (host.isBlank() || host.contains("\r") || host.contains("\n")) {
            throw new IllegalArgumentException("host: '" + host + "' (expected: a host[:port] without line breaks)");
        }
    }

    /**
     * {@code GET path} as bytes on the wire, keep-alive: a read-only buffer the caller owns and
     * releases, writing {@code retainedDuplicate()}s of it.
     */
    ByteBuf get(String path) {
        return wire("GET " + path + " HTTP/1.1\r\n" + headerLines() + "\r\n");
    }

    /** The head of a {@code POST path} with a body of {@code length} bytes; the caller owns it, as {@link #get}'s. */
    ByteBuf postHead(String path, long length) {
        return wire("POST " + path + " HTTP/1.1\r\n" + headerLines() + "Content-Type: application/octet-stream\r\n"
                + "Content-Length: " + length + "\r\n\r\n");
    }

    /** The WebSocket echo's URI: its host and port are what the handshake's {@code Host} says. */
    URI webSocketUri() {
        return URI.create("ws://" + host + "/ws");
    }

    /** The handshake's extra headers: the session token and the page's own origin, as a browser sends it. */
    HttpHeaders webSocketHeaders() {
        HttpHeaders headers = new DefaultHttpHeaders();
        headers.set("Origin", "http://" + host);
        if (bearer != null) {
            headers.set("Authorization", "Bearer " + bearer);
        }
        return headers;
    }

    private String headerLines() {
        return "Host: " + host + "\r\n" + (bearer != null ? "Authorization: Bearer " + bearer + "\r\n" : "");
    }

    private static ByteBuf wire(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
        return Unpooled.directBuffer(bytes.length).writeBytes(bytes).asReadOnly();
    }

    @Override
    public String toString() {
        return name + " (127.0.0.1:" + port + ", Host " + host + (bearer != null ? ", bearer token" : "") + ")";
    }
}
