package io.codehub.agent.tunnel;

import java.net.InetSocketAddress;
import java.net.URI;

import io.codehub.tunnel.TunnelStream;
import org.jspecify.annotations.Nullable;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpCookie;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.server.reactive.AbstractServerHttpRequest;
import org.springframework.http.server.reactive.SslInfo;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;
import reactor.core.publisher.Flux;

/**
 * The request of one tunnel stream as Spring sees it. The body is the stream's DATA, pulled with
 * {@link TunnelStream#request(int)} as the application asks for it (the tunnel's one
 * {@link io.codehub.tunnel.reactive.StreamReader}).
 */
final class TunnelServerHttpRequest extends AbstractServerHttpRequest {

    private final TunnelStream stream;
    private final String id;
    private final Flux<DataBuffer> body;

    TunnelServerHttpRequest(HttpMethod method, URI uri, HttpHeaders headers, TunnelStream stream, String id,
            Flux<DataBuffer> body) {
        super(method, uri, "", headers);
        this.stream = stream;
        this.id = id;
        this.body = body;
    }

    @Override
    public Flux<DataBuffer> getBody() {
        return body;
    }

    @Override
    protected String initId() {
        return id;
    }

    @Override
    protected MultiValueMap<String, HttpCookie> initCookies() {
        MultiValueMap<String, HttpCookie> cookies = new LinkedMultiValueMap<>();
        for (String header : getHeaders().getOrEmpty(HttpHeaders.COOKIE)) {
            for (String pair : header.split(";")) {
                int eq = pair.indexOf('=');
                if (eq > 0) {
                    String name = pair.substring(0, eq).trim();
                    cookies.add(name, new HttpCookie(name, pair.substring(eq + 1).trim()));
                }
            }
        }
        return cookies;
    }

    /** The hub, as this agent's tunnel connection sees it (the proxy's address behind an HTTP proxy). */
    @Override
    public @Nullable InetSocketAddress getRemoteAddress() {
        return stream.remoteAddress();
    }

    /** The tunnel's TLS is the agent's own connection to the hub, not the caller's: none here. */
    @Override
    protected @Nullable SslInfo initSslInfo() {
        return null;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> T getNativeRequest() {
        return (T) stream;
    }
}
