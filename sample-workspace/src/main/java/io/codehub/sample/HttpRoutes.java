package io.codehub.sample;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpChunkedInput;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.PromiseNotifier;
import io.netty.util.concurrent.ScheduledFuture;
import org.jspecify.annotations.Nullable;

/**
 * The HTTP side of one connection: reads each request (streaming its body, never aggregating it),
 * answers it from the route table below, and logs it. {@code /ws} never gets here:
 * {@code WebSocketServerProtocolHandler} upgrades it, and this handler then gives the connection
 * to {@link WebSocketEcho}.
 *
 * <p>One request at a time: while an answer is being written (a download, an event stream, a
 * delay), pipelined requests wait in a queue and the channel stops reading; they are handled in
 * order once the answer is complete. Every answer has a length or is chunked, so the connection
 * stays open unless the client asked to close it ({@code HttpServerKeepAliveHandler}).
 *
 * <p>Threading: the channel's event loop only.
 */
final class HttpRoutes extends ChannelInboundHandlerAdapter {

    /** The longest {@code /delay} and {@code /sse} interval: 10 minutes. */
    static final long MAX_DELAY_MILLIS = TimeUnit.MINUTES.toMillis(10);

    private static final String INDEX_PAGE = loadIndexPage();
    private static final String TEXT = "text/plain; charset=utf-8";
    private static final String JSON = "application/json";
    private static final String GET_OR_HEAD = "GET, HEAD";

    private final RequestLog log;
    private final FirstTries firstTries;
    private final ArrayDeque<Object> waiting = new ArrayDeque<>();
    /** The request being read or answered. */
    private @Nullable Exchange exchange;
    private boolean answering;
    /** Stops a timed answer (delay, event stream) when the channel closes under it. */
    private @Nullable Runnable onClose;

    HttpRoutes(RequestLog log, FirstTries firstTries) {
        this.log = log;
        this.firstTries = firstTries;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (answering) {
            waiting.add(msg);
            ctx.channel().config().setAutoRead(false);
            return;
        }
        read(ctx, msg);
    }

    private void read(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof HttpObject)) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (((HttpObject) msg).decoderResult().isFailure()) {
            Throwable cause = ((HttpObject) msg).decoderResult().cause();
            ReferenceCountUtil.release(msg);
            rejectAndClose(ctx, cause);
            return;
        }
        if (msg instanceof HttpRequest) {
            exchange = new Exchange((HttpRequest) msg, ctx);
        }
        if (msg instanceof HttpContent) {
            Exchange current = exchange;
            try {
                if (current != null) {
                    current.consume(((HttpContent) msg).content());
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
            if (msg instanceof LastHttpContent && current != null) {
                answer(ctx, current);
            }
        }
    }

    private void answer(ChannelHandlerContext ctx, Exchange request) {
        answering = true;
        ChannelFuture done;
        try {
            done = route(ctx, request);
        } catch (BadParameterException e) {
            done = send(ctx, request, HttpResponseStatus.BAD_REQUEST, TEXT, e.getMessage() + "\n");
        }
        done.addListener(answered -> answered(ctx, request, answered.isSuccess() ? null : answered.cause()));
    }

    private void answered(ChannelHandlerContext ctx, Exchange request, @Nullable Throwable failure) {
        log.log(request.logLine(failure));
        exchange = null;
        answering = false;
        onClose = null;
        if (failure != null) {
            releaseWaiting();
            ctx.close();
            return;
        }
        while (!answering && !waiting.isEmpty()) {
            read(ctx, waiting.poll());
        }
        if (!answering) {
            ctx.channel().config().setAutoRead(true);
        }
    }

    private ChannelFuture route(ChannelHandlerContext ctx, Exchange request) {
        if (request.problem != null) {
            throw new BadParameterException(request.problem);
        }
        switch (request.path) {
            case "/":
                return request.isGetOrHead()
                        ? send(ctx, request, HttpResponseStatus.OK, "text/html; charset=utf-8",
                                INDEX_PAGE.replace("{{port}}", Integer.toString(request.port)))
                        : methodNotAllowed(ctx, request, GET_OR_HEAD);
            case "/hello":
                return request.isGetOrHead()
                        ? send(ctx, request, HttpResponseStatus.OK, TEXT, "hello from port " + request.port + "\n")
                        : methodNotAllowed(ctx, request, GET_OR_HEAD);
            case "/headers":
                return request.isGetOrHead()
                        ? send(ctx, request, HttpResponseStatus.OK, JSON, headersJson(request))
                        : methodNotAllowed(ctx, request, GET_OR_HEAD);
            case "/bytes":
                return request.isGetOrHead() ? bytes(ctx, request) : methodNotAllowed(ctx, request, GET_OR_HEAD);
            case "/sha256":
                return HttpMethod.POST.equals(request.method())
                        ? send(ctx, request, HttpResponseStatus.OK, JSON, "{\"bytes\": " + request.bodyBytes
                                + ", \"sha256\": \"" + request.digestHex() + "\"}\n")
                        : methodNotAllowed(ctx, request, "POST");
            case "/sse":
                return request.isGetOrHead() ? events(ctx, request) : methodNotAllowed(ctx, request, GET_OR_HEAD);
            case "/delay":
                return request.isGetOrHead() ? delay(ctx, request) : methodNotAllowed(ctx, request, GET_OR_HEAD);
            case "/drop-once":
                return dropOnce(ctx, request);
            default:
                return send(ctx, request, HttpResponseStatus.NOT_FOUND, TEXT, "not found: " + request.path + "\n");
        }
    }

    /**
     * {@code /drop-once?key=K}, any method: the first request for K has its connection closed with
     * no answer (an app that went away mid-request); every later one is answered
     * {@code answered on try <n>}. For tests of a proxy's retries.
     */
    private ChannelFuture dropOnce(ChannelHandlerContext ctx, Exchange request) {
        int attempt = firstTries.next(request.longParameter("key", null, Long.MAX_VALUE));
        if (attempt == 1) {
            return ctx.close();
        }
        return send(ctx, request, HttpResponseStatus.OK, TEXT, "answered on try " + attempt + "\n");
    }

    /** {@code GET /bytes?n=N[&chunked=true]}: N bytes of {@link PatternInput}'s pattern. */
    private ChannelFuture bytes(ChannelHandlerContext ctx, Exchange request) {
        long length = request.longParameter("n", null, PatternInput.MAX_LENGTH);
        boolean chunked = request.booleanParameter("chunked");
        HttpResponse head = request.responseHead(HttpResponseStatus.OK);
        head.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_OCTET_STREAM);
        if (chunked) {
            request.unsized(head);
        } else {
            HttpUtil.setContentLength(head, length);
        }
        ctx.write(head, ctx.voidPromise());
        if (request.isHead()) {
            return ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
        }
        // ChunkedWriteHandler writes the chunks while the channel is writable; the promise
        // completes with the last one.
        return ctx.writeAndFlush(new HttpChunkedInput(new PatternInput(length)));
    }

    /** {@code GET /sse?count=N&intervalMs=M}: an {@link EventStream}. */
    private ChannelFuture events(ChannelHandlerContext ctx, Exchange request) {
        long count = request.longParameter("count", 5L, EventStream.MAX_COUNT);
        long interval = request.longParameter("intervalMs", 1000L, MAX_DELAY_MILLIS);
        HttpResponse head = request.responseHead(HttpResponseStatus.OK);
        head.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream")
                .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_CACHE)
                .set("X-Accel-Buffering", "no");
        request.unsized(head);
        if (request.isHead()) {
            ctx.write(head, ctx.voidPromise());
            return ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
        }
        ctx.writeAndFlush(head, ctx.voidPromise());
        EventStream stream = EventStream.start(ctx, count, interval);
        onClose = stream::cancel;
        return stream.done();
    }

    /** {@code GET /delay?ms=M}: a short text answer, M milliseconds after the request. */
    private ChannelFuture delay(ChannelHandlerContext ctx, Exchange request) {
        long millis = request.longParameter("ms", null, MAX_DELAY_MILLIS);
        ChannelPromise done = ctx.newPromise();
        ScheduledFuture<?> timer = ctx.executor().schedule(() -> PromiseNotifier.cascade(
                send(ctx, request, HttpResponseStatus.OK, TEXT, "waited " + millis + " ms\n"), done),
                millis, TimeUnit.MILLISECONDS);
        onClose = () -> {
            timer.cancel(false);
            done.tryFailure(new ClosedChannelException());
        };
        return done;
    }

    private ChannelFuture methodNotAllowed(ChannelHandlerContext ctx, Exchange request, String allowed) {
        return send(ctx, request, HttpResponseStatus.METHOD_NOT_ALLOWED, TEXT,
                request.method() + " " + request.path + ": method not allowed (expected: " + allowed + ")\n",
                allowed);
    }

    private static ChannelFuture send(ChannelHandlerContext ctx, Exchange request, HttpResponseStatus status,
            String contentType, String body) {
        return send(ctx, request, status, contentType, body, null);
    }

    private static ChannelFuture send(ChannelHandlerContext ctx, Exchange request, HttpResponseStatus status,
            String contentType, String body, @Nullable String allow) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        request.status = status.code();
        FullHttpResponse response = new DefaultFullHttpResponse(request.version(), status,
                request.isHead() ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(bytes));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        HttpUtil.setContentLength(response, bytes.length);
        request.keepAlive(response);
        if (allow != null) {
            response.headers().set(HttpHeaderNames.ALLOW, allow);
        }
        return ctx.writeAndFlush(response);
    }

    /** A request the decoder could not read (a line or header too long, say): 400, then close. */
    private void rejectAndClose(ChannelHandlerContext ctx, Throwable cause) {
        exchange = null;
        answering = true;
        releaseWaiting();
        byte[] body = ("bad request: " + cause.getMessage() + "\n").getBytes(StandardCharsets.UTF_8);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.BAD_REQUEST, Unpooled.wrappedBuffer(body));
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, TEXT)
                .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        HttpUtil.setContentLength(response, body.length);
        log.log(Instant.now() + " " + Exchange.describe(ctx.channel().remoteAddress()) + " undecodable request: " + cause);
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }

    private static String headersJson(Exchange request) {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (Map.Entry<String, String> header : request.head.headers()) {
            headers.computeIfAbsent(header.getKey().toLowerCase(Locale.ROOT), name -> new ArrayList<>())
                    .add(header.getValue());
        }
        StringBuilder json = new StringBuilder("{\n");
        json.append("  \"_port\": ").append(request.port).append(",\n");
        json.append("  \"_method\": ").append(jsonString(request.method().name())).append(",\n");
        json.append("  \"_uri\": ").append(jsonString(request.head.uri()));
        for (Map.Entry<String, List<String>> header : headers.entrySet()) {
            json.append(",\n  ").append(jsonString(header.getKey())).append(": [");
            List<String> values = header.getValue();
            for (int i = 0; i < values.size(); i++) {
                json.append(i == 0 ? "" : ", ").append(jsonString(values.get(i)));
            }
            json.append(']');
        }
        return json.append("\n}\n").toString();
    }

    static String jsonString(String text) {
        StringBuilder quoted = new StringBuilder(text.length() + 2).append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '"' || c == '\\') {
                quoted.append('\\').append(c);
            } else if (c < 0x20 || c == 0x7f) {
                quoted.append(String.format("\\u%04x", (int) c));
            } else {
                quoted.append(c);
            }
        }
        return quoted.append('"').toString();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (event instanceof WebSocketServerProtocolHandler.HandshakeComplete) {
            WebSocketServerProtocolHandler.HandshakeComplete handshake =
                    (WebSocketServerProtocolHandler.HandshakeComplete) event;
            log.log(Instant.now() + " " + Exchange.describe(ctx.channel().remoteAddress()) + " -> :" + Exchange.localPort(ctx)
                    + " \"GET " + handshake.requestUri() + "\" 101 websocket");
            ctx.pipeline().replace(this, "websocket-echo", new WebSocketEcho(log));
            return;
        }
        ctx.fireUserEventTriggered(event);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        stopTimedAnswer();
        releaseWaiting();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        stopTimedAnswer();
        releaseWaiting();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!(cause instanceof IOException)) {
            // a reset by the peer is how many clients leave; anything else is worth a line
            log.log(Instant.now() + " " + Exchange.describe(ctx.channel().remoteAddress()) + " connection failed: " + cause);
        }
        ctx.close();
    }

    private void stopTimedAnswer() {
        Runnable stop = onClose;
        onClose = null;
        if (stop != null) {
            stop.run();
        }
    }

    private void releaseWaiting() {
        Object msg;
        while ((msg = waiting.poll()) != null) {
            ReferenceCountUtil.release(msg);
        }
    }

    private static String loadIndexPage() {
        try (InputStream page = HttpRoutes.class.getResourceAsStream("index.html")) {
            if (page == null) {
                throw new IllegalStateException("io/codehub/sample/index.html is missing from the classpath");
            }
            return new String(page.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read io/codehub/sample/index.html", e);
        }
    }
}
