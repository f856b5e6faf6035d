package io.codehub.sample;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import org.jspecify.annotations.Nullable;

/**
 * One HTTP request on its way through {@link HttpRoutes}: its head and parsed query, what its body
 * came to (length, and digest for {@code POST /sha256}), the status answered, and its log line.
 *
 * <p>Threading: the channel's event loop only.
 */
final class Exchange {

    final HttpRequest head;
    final int port;
    final String remote;
    final long startNanos = System.nanoTime();
    final String path;
    final Map<String, List<String>> parameters;
    /** Why the request cannot be answered (a malformed query), or null. */
    final @Nullable String problem;
    final @Nullable MessageDigest digest;
    long bodyBytes;
    int status;

    Exchange(HttpRequest head, ChannelHandlerContext ctx) {
        this.head = head;
        this.port = localPort(ctx);
        this.remote = describe(ctx.channel().remoteAddress());
        String path;
        Map<String, List<String>> parameters;
        String problem = null;
        try {
            QueryStringDecoder query = new QueryStringDecoder(head.uri());
            path = query.path();
            parameters = query.parameters();
        } catch (IllegalArgumentException e) {
            path = head.uri();
            parameters = Map.of();
            problem = "uri: '" + head.uri() + "' cannot be decoded (expected: a path and query): " + e.getMessage();
        }
        this.path = path;
        this.parameters = parameters;
        this.problem = problem;
        this.digest = HttpMethod.POST.equals(head.method()) && "/sha256".equals(path) ? sha256() : null;
    }

    HttpMethod method() {
        return head.method();
    }

    HttpVersion version() {
        return head.protocolVersion();
    }

    boolean isHead() {
        return HttpMethod.HEAD.equals(head.method());
    }

    boolean isGetOrHead() {
        return HttpMethod.GET.equals(head.method()) || isHead();
    }

    HttpResponse responseHead(HttpResponseStatus status) {
        this.status = status.code();
        HttpResponse response = new DefaultHttpResponse(version(), status);
        keepAlive(response);
        return response;
    }

    /**
     * An HTTP/1.0 client keeps the connection only when the answer says so (HTTP/1.1 keeps it
     * unless told otherwise); {@code HttpServerKeepAliveHandler} closes it after an answer that
     * does not.
     */
    void keepAlive(HttpResponse response) {
        if (!head.protocolVersion().isKeepAliveDefault() && HttpUtil.isKeepAlive(head)) {
            HttpUtil.setKeepAlive(response, true);
        }
    }

    /** A body of no announced length: chunked for HTTP/1.1, ended by closing for HTTP/1.0. */
    void unsized(HttpResponse response) {
        if (head.protocolVersion().isKeepAliveDefault()) {
            HttpUtil.setTransferEncodingChunked(response, true);
        } else {
            HttpUtil.setKeepAlive(response, false);
        }
    }

    void consume(ByteBuf content) {
        bodyBytes += content.readableBytes();
        if (digest != null && content.isReadable()) {
            for (ByteBuffer part : content.nioBuffers()) {
                digest.update(part);
            }
        }
    }

    String digestHex() {
        return digest == null ? "" : HexFormat.of().formatHex(digest.digest());
    }

    /** The parameter {@code name} as a number from 0 to {@code max}; absent, {@code fallback}. */
    long longParameter(String name, @Nullable Long fallback, long max) {
        List<String> values = parameters.get(name);
        if (values == null || values.isEmpty()) {
            if (fallback == null) {
                throw new BadParameterException(name + ": missing (expected: a number from 0 to " + max + ")");
            }
            return fallback;
        }
        String value = values.get(0);
        try {
            long number = Long.parseLong(value);
            if (number >= 0 && number <= max) {
                return number;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw new BadParameterException(name + ": '" + value + "' (expected: a number from 0 to " + max + ")");
    }

    boolean booleanParameter(String name) {
        List<String> values = parameters.get(name);
        if (values == null || values.isEmpty()) {
            return false;
        }
        String value = values.get(0);
        if ("true".equalsIgnoreCase(value) || "false".equalsIgnoreCase(value)) {
            return Boolean.parseBoolean(value);
        }
        throw new BadParameterException(name + ": '" + value + "' (expected: true or false)");
    }

    String logLine(@Nullable Throwable failure) {
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
        return Instant.now() + " " + remote + " -> :" + port + " \"" + head.method() + " " + head.uri() + " "
                + head.protocolVersion() + "\" " + status + " " + millis + "ms"
                + (failure == null ? "" : " aborted: " + failure);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this Java runtime", e);
        }
    }

    static int localPort(ChannelHandlerContext ctx) {
        SocketAddress local = ctx.channel().localAddress();
        return local instanceof InetSocketAddress ? ((InetSocketAddress) local).getPort() : -1;
    }

    static String describe(@Nullable SocketAddress address) {
        if (address instanceof InetSocketAddress) {
            InetSocketAddress inet = (InetSocketAddress) address;
            return inet.getAddress() == null ? inet.getHostString() + ":" + inet.getPort()
                    : inet.getAddress().getHostAddress() + ":" + inet.getPort();
        }
        return String.valueOf(address);
    }
}
