package io.codehub.hub.problem;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;

import io.codehub.base.CodehubProblemType;
import io.codehub.base.JsonText;
import io.codehub.runtime.ProblemType;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpStatusClass;
import org.jspecify.annotations.Nullable;
import reactor.netty.NettyPipeline;

/**
 * Gives the empty answers the HTTP server makes itself, before any route, filter or exception
 * handler of the application sees the request, a problem+json body. Reactor Netty answers a request
 * line over its limit with 414, headers over theirs with 431 and anything else its codec cannot read
 * (a malformed header, a bad chunk) with 400, each with {@code Connection: close}; Spring's adapter
 * answers 400 to a request target that is no URI ({@code /agents/%zz}, {@code ?q=a|b}).
 *
 * <p>This handler sits right after the codec. It pairs every response with its request (HTTP/1.1
 * answers in order) and rewrites only an empty 400, 413, 414 or 431 answering a request whose
 * decoding failed (the codec's mark on the request or on its body, or Reactor Netty's on a request
 * it could not take in), or an empty 400 answering a target that is no URI. The status
 * and the other headers stay, and so does the connection's fate (closed after a decoding failure);
 * every other response passes untouched. The detail names the limit, never an exception.
 */
final class CodecRefusalProblems extends ChannelDuplexHandler {

    /** The handler's name in the pipeline. */
    static final String NAME = "codehub.codecRefusalProblems";

    private static final int MAX_INSTANCE_LENGTH = 1024;

    private final Limits limits;
    /** Requests read and not answered yet, oldest first (more than one only when a client pipelines). */
    private final ArrayDeque<HttpRequest> unanswered = new ArrayDeque<>(2);
    /** The request whose body the codec could not decode, if any (the codec reads nothing after it). */
    private @Nullable HttpRequest bodyFailed;

    /**
     * The codec's limits, for the details.
     *
     * @param maxRequestLineBytes {@code server.netty.max-initial-line-length}
     * @param maxHeaderBytes      {@code server.max-http-request-header-size}
     */
    record Limits(long maxRequestLineBytes, long maxHeaderBytes) {
    }

    CodecRefusalProblems(Limits limits) {
        this.limits = limits;
    }

    /** Adds a handler right after Reactor Netty's HTTP/1.1 codec of {@code pipeline}, if it has one. */
    static void install(ChannelPipeline pipeline, Limits limits) {
        if (pipeline.get(NettyPipeline.HttpCodec) instanceof HttpServerCodec && pipeline.get(NAME) == null) {
            pipeline.addAfter(NettyPipeline.HttpCodec, NAME, new CodecRefusalProblems(limits));
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (msg instanceof HttpRequest request) {
            unanswered.add(request);
        } else if (msg instanceof HttpContent content && content.decoderResult().isFailure()) {
            bodyFailed = unanswered.peekLast();
        }
        super.channelRead(ctx, msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
        if (msg instanceof HttpResponse response && response.status().equals(HttpResponseStatus.SWITCHING_PROTOCOLS)) {
            unanswered.clear(); // no more HTTP/1.1 on this connection
        } else if (msg instanceof HttpResponse response
                && response.status().codeClass() != HttpStatusClass.INFORMATIONAL) {
            HttpRequest request = unanswered.poll();
            if (request != null && msg instanceof FullHttpResponse full && !full.content().isReadable()) {
                Refusal refusal = refusal(request, full.status().code());
                if (refusal != null) {
                    FullHttpResponse problem = problem(ctx, request, full, refusal);
                    full.release();
                    super.write(ctx, problem, promise);
                    return;
                }
            }
        }
        super.write(ctx, msg, promise);
    }

    /** A problem and its detail. */
    private record Refusal(CodehubProblemType type, String detail) {
    }

    /**
     * What an empty answer with {@code status} to {@code request} refuses, or null when it is not
     * one of the refusals this handler knows.
     */
    private @Nullable Refusal refusal(HttpRequest request, int status) {
        boolean undecoded = request.decoderResult().isFailure() || request == bodyFailed;
        if (status == 400 && !undecoded && !isUri(request.uri())) {
            // Spring's adapter, building the request's URI, answers an empty 400 itself.
            return new Refusal(ProblemType.MALFORMED_REQUEST, "the request target is not a valid URI (a '%' that "
                    + "starts no escape, or a character that needs one)");
        }
        if (!undecoded) {
            return null;
        }
        return switch (status) {
            case 414 -> new Refusal(HubProblemType.URI_TOO_LONG, "the request line is longer than the hub accepts ("
                    + limits.maxRequestLineBytes() + " bytes)");
            case 431 -> new Refusal(HubProblemType.REQUEST_HEADERS_TOO_LARGE, "the request headers are larger than "
                    + "the hub accepts (" + limits.maxHeaderBytes() + " bytes in all)");
            case 413 -> new Refusal(ProblemType.PAYLOAD_TOO_LARGE, "the request is larger than the hub accepts");
            case 400 -> new Refusal(ProblemType.MALFORMED_REQUEST, "the request is not valid HTTP/1.1 (its request "
                    + "line, a header or its body's framing)");
            default -> null;
        };
    }

    private static boolean isUri(String target) {
        try {
            new URI(target);
            return true;
        } catch (URISyntaxException e) {
            return false;
        }
    }

    private FullHttpResponse problem(ChannelHandlerContext ctx, HttpRequest request, FullHttpResponse refusal,
            Refusal what) {
        CodehubProblemType type = what.type();
        byte[] bytes = ("{\"type\":\"" + type.uri() + "\",\"title\":" + JsonText.quote(type.title())
                + ",\"status\":" + refusal.status().code() + ",\"detail\":" + JsonText.quote(what.detail())
                + ",\"instance\":" + JsonText.quote(instance(request)) + "}").getBytes(StandardCharsets.UTF_8);
        ByteBuf content = ctx.alloc().buffer(bytes.length).writeBytes(bytes);
        FullHttpResponse problem = new DefaultFullHttpResponse(refusal.protocolVersion(), refusal.status(), content,
                refusal.headers().copy(), refusal.trailingHeaders().copy());
        problem.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, "application/problem+json")
                .setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length)
                .set(HttpHeaderNames.CACHE_CONTROL, "no-store")
                .set("X-Content-Type-Options", "nosniff");
        return problem;
    }

    /**
     * The request's path, as the application's problems carry it; empty when the codec could not
     * read the request line (it then hands on a stand-in request of its own, a full one, for {@code
     * /bad-request}).
     */
    private static String instance(HttpRequest request) {
        if (request instanceof FullHttpRequest) {
            return "";
        }
        String uri = request.uri();
        int end = uri.length();
        for (int i = 0; i < uri.length(); i++) {
            if (uri.charAt(i) == '?' || uri.charAt(i) == '#') {
                end = i;
                break;
            }
        }
        String path = uri.substring(0, end);
        return path.length() > MAX_INSTANCE_LENGTH ? path.substring(0, MAX_INSTANCE_LENGTH) + "..." : path;
    }
}
