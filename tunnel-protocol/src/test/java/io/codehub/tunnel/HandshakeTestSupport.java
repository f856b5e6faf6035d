package io.codehub.tunnel;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.concurrent.MockTicker;
import io.netty.util.concurrent.Ticker;

/** Embedded-channel plumbing shared by the handshake tests. */
final class HandshakeTestSupport {

    static final Clock CLOCK = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);

    private HandshakeTestSupport() {
    }

    /** An embedded channel whose peer is a real-looking TCP address (the limiter keys on it). */
    static final class InetEmbeddedChannel extends EmbeddedChannel {
        private InetSocketAddress remote = new InetSocketAddress(InetAddress.getLoopbackAddress(), 40_000);

        InetEmbeddedChannel(InetSocketAddress remote, ChannelHandler... handlers) {
            super(false, true, handlers);
            this.remote = remote;
            try {
                register();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        protected SocketAddress remoteAddress0() {
            return remote;
        }
    }

    static ServerContext context(TunnelAuthenticator authenticator, TunnelLimits limits, Ticker ticker) {
        return context(authenticator, limits, ticker, new TunnelListener() { });
    }

    static ServerContext context(TunnelAuthenticator authenticator, TunnelLimits limits, Ticker ticker,
            TunnelListener listener) {
        return context(authenticator, limits, ticker, listener, Map.of());
    }

    /** A context serving {@code endpoints} (path to route) beside the upgrade. */
    static ServerContext context(TunnelAuthenticator authenticator, TunnelLimits limits, Ticker ticker,
            TunnelListener listener, Map<String, TunnelServerBuilder.EndpointRoute> endpoints) {
        return context(authenticator, limits, ticker, listener, TunnelObserver.NONE, endpoints);
    }

    /** A context that reports to {@code observer}. */
    static ServerContext context(TunnelAuthenticator authenticator, TunnelLimits limits, Ticker ticker,
            TunnelListener listener, TunnelObserver observer, Map<String, TunnelServerBuilder.EndpointRoute> endpoints) {
        return new ServerContext("hub-1", limits, Keepalive.DEFAULT, authenticator, listener, observer,
                new FailedAuthRateLimiter(limits.failedAuthBurst(), limits.failedAuthRefillPeriod(), ticker),
                CLOCK, Duration.ofSeconds(7), Duration.ofSeconds(30), endpoints);
    }

    static MockTicker ticker() {
        return Ticker.newMockTicker();
    }

    static InetEmbeddedChannel hubChannel(ServerContext context, String remoteIp) {
        InetEmbeddedChannel ch = new InetEmbeddedChannel(new InetSocketAddress(remoteIp, 40_000));
        ch.freezeTime();
        ch.pipeline().addLast(ServerHandshakeHandler.HTTP_CODEC, new HttpServerCodec(new HttpDecoderConfig()
                        .setMaxInitialLineLength(ServerHandshakeHandler.MAX_INITIAL_LINE)
                        .setMaxHeaderSize(context.limits.maxHandshakeHeaderBytes())));
        ch.pipeline().addLast("handshake", new ServerHandshakeHandler(context, () -> { }));
        return ch;
    }

    static String upgradeRequest(String... extraHeaders) {
        StringBuilder request = new StringBuilder("GET /v1/tunnel HTTP/1.1\r\n")
                .append("Host: hub.example:7443\r\n")
                .append("Connection: Upgrade\r\n")
                .append("Upgrade: codehub-tunnel/1\r\n")
                .append("Codehub-Agent-Version: 0.1.0\r\n");
        for (String header : extraHeaders) {
            request.append(header).append("\r\n");
        }
        return request.append("\r\n").toString();
    }

    static void send(EmbeddedChannel ch, String text) {
        ch.writeInbound(Unpooled.copiedBuffer(text, StandardCharsets.ISO_8859_1));
    }

    /** All bytes written so far, as ISO-8859-1 text (HTTP/1.1 head plus whatever followed). */
    static String written(EmbeddedChannel ch) {
        StringBuilder out = new StringBuilder();
        Object msg;
        while ((msg = ch.readOutbound()) != null) {
            if (msg instanceof ByteBuf buf) {
                out.append(buf.toString(StandardCharsets.ISO_8859_1));
                buf.release();
            } else {
                io.netty.util.ReferenceCountUtil.release(msg);
            }
        }
        return out.toString();
    }

    /** A parsed HTTP/1.1 response head and body. */
    record Response(int status, Map<String, String> headers, String body) {
        static Response parse(String text) {
            int headEnd = text.indexOf("\r\n\r\n");
            String head = text.substring(0, headEnd);
            String[] lines = head.split("\r\n");
            int status = Integer.parseInt(lines[0].split(" ")[1]);
            Map<String, String> headers = new LinkedHashMap<>();
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
                        lines[i].substring(colon + 1).trim());
            }
            String rest = text.substring(headEnd + 4);
            String length = headers.get("content-length");
            String body = length == null ? "" : rest.substring(0, Integer.parseInt(length));
            return new Response(status, headers, body);
        }

        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }
}
