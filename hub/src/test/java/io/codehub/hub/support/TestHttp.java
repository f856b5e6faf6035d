package io.codehub.hub.support;

import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.test.web.reactive.server.WebTestClient;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

/**
 * Test clients of a running hub. Each request opens its own connection: a pooled keep-alive
 * connection that the server is closing just as the client reuses it can leave a request without
 * an answer until the client's timeout, which once cost a test 30 s in CI.
 */
public final class TestHttp {

    private TestHttp() {
    }

    /** A client of {@code baseUrl} that pools no connections. */
    public static WebTestClient.Builder to(String baseUrl) {
        return WebTestClient.bindToServer(new ReactorClientHttpConnector(HttpClient.create(ConnectionProvider.newConnection())))
                .baseUrl(baseUrl);
    }
}
