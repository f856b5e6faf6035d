package io.codehub.hub.gateway;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import io.codehub.base.JsonText;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import org.jspecify.annotations.Nullable;

/**
 * The answers the gateway makes itself: RFC 9457 {@code application/problem+json}, or a small
 * HTML page when the client prefers HTML (a browser's navigation). Every one closes the
 * connection ({@code Connection: close}) and is never cached; none echoes anything of the
 * request but what the detail names on purpose, and never a credential.
 */
final class GatewayAnswers {

    private GatewayAnswers() {
    }

    /** The answer to {@code failure}; {@code html} picks the page over problem+json. */
    static FullHttpResponse problem(ByteBufAllocator alloc, GatewayException failure, boolean html) {
        GatewayProblem problem = failure.problem();
        String detail = failure.getMessage() == null ? problem.title() : failure.getMessage();
        String body;
        String type;
        if (html) {
            body = page(problem, detail, failure.state());
            type = "text/html; charset=utf-8";
        } else {
            StringBuilder json = new StringBuilder(256).append("{\"type\":\"").append(problem.uri())
                    .append("\",\"title\":").append(JsonText.quote(problem.title()))
                    .append(",\"status\":").append(problem.status())
                    .append(",\"detail\":").append(JsonText.quote(detail));
            if (failure.state() != null) {
                json.append(",\"state\":").append(JsonText.quote(failure.state()));
            }
            body = json.append('}').toString();
            type = "application/problem+json";
        }
        FullHttpResponse response = full(alloc, HttpResponseStatus.valueOf(problem.status()), type, body);
        Duration retryAfter = failure.retryAfter();
        if (retryAfter != null) {
            response.headers().set(HttpHeaderNames.RETRY_AFTER, Long.toString(Math.max(1, retryAfter.toSeconds())));
        }
        response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        return response;
    }

    /** A {@code 302} to {@code location} (a path of the same origin) that sets {@code setCookie}. */
    static FullHttpResponse redirect(ByteBufAllocator alloc, String location, String setCookie) {
        FullHttpResponse response = full(alloc, HttpResponseStatus.FOUND, "text/plain; charset=utf-8", "");
        response.headers().set(HttpHeaderNames.LOCATION, location);
        response.headers().set(HttpHeaderNames.SET_COOKIE, setCookie);
        response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        return response;
    }

    /** Whether a client that sent {@code accept} wants a page rather than JSON. */
    static boolean prefersHtml(@Nullable String accept) {
        return accept != null && accept.contains("text/html");
    }

    private static FullHttpResponse full(ByteBufAllocator alloc, HttpResponseStatus status, String type, String body) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ByteBuf content = alloc.buffer(bytes.length).writeBytes(bytes);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, content);
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, type)
                .set(HttpHeaderNames.CONTENT_LENGTH, bytes.length)
                .set(HttpHeaderNames.CACHE_CONTROL, "no-store")
                .set("X-Content-Type-Options", "nosniff");
        return response;
    }

    private static String page(GatewayProblem problem, String detail, @Nullable String state) {
        String hint = switch (problem) {
            case UNAUTHORIZED -> "Open this workspace with the access link codehub gave you; links work once and "
                    + "for a minute, so ask for a new one if yours has expired.";
            case WORKSPACE_NOT_RUNNING -> "This page tries again every 5 seconds.";
            case AGENT_NOT_CONNECTED, UNAVAILABLE -> "This page tries again every 5 seconds.";
            default -> "";
        };
        boolean refresh = problem == GatewayProblem.WORKSPACE_NOT_RUNNING || problem == GatewayProblem.AGENT_NOT_CONNECTED
                || problem == GatewayProblem.UNAVAILABLE;
        return "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
                + (refresh ? "<meta http-equiv=\"refresh\" content=\"5\">" : "")
                + "<title>" + escape(problem.title()) + " - codehub</title>"
                + "<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;color:#222}"
                + "code{background:#eee;padding:0 .2rem}</style></head><body>"
                + "<h1>" + escape(problem.title()) + "</h1>"
                + "<p id=\"detail\">" + escape(detail) + "</p>"
                + (state == null ? "" : "<p>State: <code id=\"state\">" + escape(state) + "</code></p>")
                + (hint.isEmpty() ? "" : "<p>" + escape(hint) + "</p>")
                + "<p><small>" + problem.status() + " &middot; " + escape(problem.slug()) + "</small></p>"
                + "</body></html>";
    }

    private static String escape(String value) {
        StringBuilder out = new StringBuilder(value.length());
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '&' -> out.append("&amp;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }
}
