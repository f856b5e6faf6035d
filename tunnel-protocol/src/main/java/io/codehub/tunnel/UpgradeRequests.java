package io.codehub.tunnel;

import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLPeerUnverifiedException;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.ssl.SslHandler;
import org.jspecify.annotations.Nullable;

/** Syntax checks of an upgrade request and what it carries (credentials, TLS peer chain). */
final class UpgradeRequests {

    private UpgradeRequests() {
    }

    /** Why the request is not a well-formed upgrade (400), or null when it is. */
    static @Nullable String malformed(HttpRequest request) {
        HttpHeaders headers = request.headers();
        if (!HttpVersion.HTTP_1_1.equals(request.protocolVersion())) {
            return "HTTP/1.1 required";
        }
        if (!HttpMethod.GET.equals(request.method())) {
            return "method " + request.method() + " (expected: GET)";
        }
        if (!headers.contains(HttpHeaderNames.HOST)) {
            return "Host header missing";
        }
        if (!headers.containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true)) {
            return "Connection header must include Upgrade";
        }
        if (HttpUtil.isTransferEncodingChunked(request) || HttpUtil.getContentLength(request, 0L) != 0) {
            return "the upgrade request must have no body";
        }
        if (!HeaderValues.isPrintable(headers.get(TunnelProtocol.AGENT_VERSION_HEADER), 64)) {
            return TunnelProtocol.AGENT_VERSION_HEADER + " missing or not 1 to 64 printable characters";
        }
        return AgentDescription.malformed(headers);
    }

    /** The token of {@code Bearer <token68>}, or null for any other scheme or syntax. */
    static @Nullable String bearer(String authorization, int maxLength) {
        if (authorization.length() < 8 || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        String token = authorization.substring(7).trim();
        return HeaderValues.isToken68(token, maxLength) ? token : null;
    }

    /** The verified TLS client chain, empty without TLS or without a client certificate. */
    static List<X509Certificate> peerCertificates(ChannelHandlerContext ctx) {
        SslHandler ssl = ctx.pipeline().get(SslHandler.class);
        if (ssl == null) {
            return List.of();
        }
        try {
            List<X509Certificate> chain = new ArrayList<>();
            for (Certificate c : ssl.engine().getSession().getPeerCertificates()) {
                if (c instanceof X509Certificate x509) {
                    chain.add(x509);
                }
            }
            return chain;
        } catch (SSLPeerUnverifiedException noClientCertificate) {
            return List.of();
        }
    }
}
