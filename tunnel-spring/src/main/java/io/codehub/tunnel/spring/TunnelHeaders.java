package io.codehub.tunnel.spring;

import java.net.URI;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;

/**
 * Spring's headers to and from HTTP/2 header blocks (RFC 9113 §8.2): names lower-cased, the
 * connection-specific (hop-by-hop) fields HTTP/2 forbids dropped, pseudo-headers kept apart.
 */
final class TunnelHeaders {

    private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-connection",
            "transfer-encoding", "upgrade", "host", "te", "proxy-authenticate", "proxy-authorization", "trailer");

    private TunnelHeaders() {
    }

    /**
     * The request HEADERS of a call to {@code uri} on agent {@code agentId}: {@code :scheme http},
     * {@code :authority} the agent id, {@code :path} the URI's raw path and query.
     */
    static Http2Headers request(HttpMethod method, URI uri, String agentId, HttpHeaders headers) {
        Http2Headers out = new DefaultHttp2Headers()
                .method(method.name())
                .scheme("http")
                .authority(agentId)
                .path(path(uri));
        Set<String> dropped = new HashSet<>(HOP_BY_HOP);
        for (String listed : headers.getValuesAsList(HttpHeaders.CONNECTION)) {
            dropped.add(listed.trim().toLowerCase(Locale.ROOT));
        }
        for (Map.Entry<String, List<String>> header : headers.headerSet()) {
            String name = header.getKey().toLowerCase(Locale.ROOT);
            if (name.startsWith(":")) {
                continue;
            }
            for (String value : header.getValue()) {
                if (name.equals("te") && value.trim().equalsIgnoreCase("trailers")) {
                    out.add(name, "trailers");
                } else if (!dropped.contains(name)) {
                    out.add(name, value);
                }
            }
        }
        return out;
    }

    /** The response's headers without the pseudo-headers ({@code :status}). */
    static HttpHeaders response(Http2Headers headers) {
        HttpHeaders out = new HttpHeaders();
        for (Map.Entry<CharSequence, CharSequence> header : headers) {
            String name = header.getKey().toString();
            if (!name.startsWith(":")) {
                out.add(name, header.getValue().toString());
            }
        }
        return out;
    }

    static String path(URI uri) {
        String path = uri.getRawPath();
        if (path == null || path.isEmpty()) {
            path = "/";
        }
        return uri.getRawQuery() == null ? path : path + "?" + uri.getRawQuery();
    }
}
