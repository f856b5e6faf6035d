package io.codehub.tunnel.spring;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ResponseCookie;
import org.springframework.http.client.reactive.ClientHttpResponse;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;
import reactor.core.publisher.Flux;

/**
 * An agent's answer on a tunnel stream: status and headers from its HEADERS frame, and a body that
 * reads DATA frames from the stream only as the subscriber asks for them (so a slow consumer
 * holds back its own stream and nothing else). The body can be subscribed to once. Cookies are
 * not parsed: the Agent API sets none.
 */
final class TunnelClientHttpResponse implements ClientHttpResponse {

    private final HttpStatusCode status;
    private final HttpHeaders headers;
    private final Flux<DataBuffer> body;
    private final String id;

    TunnelClientHttpResponse(int status, HttpHeaders headers, Flux<DataBuffer> body, String id) {
        this.status = HttpStatusCode.valueOf(status);
        this.headers = HttpHeaders.readOnlyHttpHeaders(headers);
        this.body = body;
        this.id = id;
    }

    @Override
    public String getId() {
        return id;
    }

    @Override
    public HttpStatusCode getStatusCode() {
        return status;
    }

    @Override
    public MultiValueMap<String, ResponseCookie> getCookies() {
        return new LinkedMultiValueMap<>();
    }

    @Override
    public HttpHeaders getHeaders() {
        return headers;
    }

    @Override
    public Flux<DataBuffer> getBody() {
        return body;
    }

    @Override
    public String toString() {
        return "TunnelClientHttpResponse[" + id + ", " + status + "]";
    }
}
