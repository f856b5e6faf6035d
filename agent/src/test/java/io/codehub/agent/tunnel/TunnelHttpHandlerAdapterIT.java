package io.codehub.agent.tunnel;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import io.codehub.tunnel.TunnelConnector;
import io.netty.buffer.ByteBufAllocator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.core.io.buffer.NettyDataBufferFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.server.reactive.HttpHandler;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The stream adapter on its own, with an {@link HttpHandler} of the test's, over a real tunnel on
 * 127.0.0.1: bodies many flow-control windows long in both directions, delivered with the hub
 * reading one frame at a time, and a response without a body.
 */
class TunnelHttpHandlerAdapterIT {

    static final String AGENT_ID = "adapter-it";
    static final String API_KEY = "chk_" + AGENT_ID + "_" + "a".repeat(43);
    static final int CHUNK = 16 * 1024;
    static final int CHUNKS = 64;

    static FakeHub hub;
    static TunnelConnector agent;

    @BeforeAll
    static void connect() {
        HttpHandler handler = (request, response) -> switch (request.getPath().value()) {
            case "/big" -> response.writeWith(Flux.range(0, CHUNKS).map(i -> response.bufferFactory().wrap(chunk(i))));
            case "/count" -> request.getBody()
                    .map(buffer -> {
                        int n = buffer.readableByteCount();
                        DataBufferUtils.release(buffer);
                        return (long) n;
                    })
                    .reduce(0L, Long::sum)
                    .flatMap(n -> response.writeWith(Mono.just(
                            response.bufferFactory().wrap(n.toString().getBytes(StandardCharsets.US_ASCII)))));
            default -> {
                response.setStatusCode(HttpStatus.NO_CONTENT);
                response.getHeaders().set("Connection", "close");
                yield response.setComplete();
            }
        };
        hub = new FakeHub(AGENT_ID, API_KEY);
        agent = TunnelConnector.builder()
                .hubUri(URI.create(hub.url()))
                .apiKey(API_KEY)
                .agentVersion("adapter-it")
                .streamHandlerFactory(new TunnelHttpHandlerAdapter(handler,
                        new NettyDataBufferFactory(ByteBufAllocator.DEFAULT), 4L * CHUNK * CHUNKS, Schedulers.parallel()))
                .build();
        agent.start();
        hub.awaitSession();
    }

    @AfterAll
    static void close() throws Exception {
        try {
            if (agent != null) {
                agent.stop().get(10, TimeUnit.SECONDS);
            }
        } finally {
            if (hub != null) {
                hub.close();
            }
        }
    }

    @Test
    void streamsALargeResponseBodyUnderFlowControl() throws Exception {
        FakeHub.Reply reply = hub.send("GET", "/big", null, null, null, false);
        assertThat(reply.status()).isEqualTo(200);
        byte[] expected = new byte[CHUNK * CHUNKS];
        for (int i = 0; i < CHUNKS; i++) {
            System.arraycopy(chunk(i), 0, expected, i * CHUNK, CHUNK);
        }
        assertThat(reply.body()).isEqualTo(expected);
    }

    @Test
    void readsALargeRequestBodyOnDemand() throws Exception {
        byte[] body = new byte[CHUNK * CHUNKS + 123];
        new Random(7).nextBytes(body);
        for (boolean declared : new boolean[] {true, false}) {
            FakeHub.Reply reply = hub.send("POST", "/count", null, "application/octet-stream", body, declared);
            assertThat(reply.status()).isEqualTo(200);
            assertThat(reply.text()).isEqualTo(Integer.toString(body.length));
        }
    }

    @Test
    void answersWithoutABodyAndDropsConnectionHeaders() throws Exception {
        FakeHub.Reply reply = hub.send("DELETE", "/nothing", null, null, null, false);
        assertThat(reply.status()).isEqualTo(204);
        assertThat(reply.body()).isEmpty();
        assertThat(reply.header("connection")).isNull();
    }

    @Test
    void refusesARequestWhosePathIsNotAPathWith400() throws Exception {
        assertThat(hub.send("GET", "health", null, null, null, false).status()).isEqualTo(400);
        assertThat(hub.send("POST", "/a b", null, "text/plain", new byte[100_000], false).status()).isEqualTo(400);
        assertThat(hub.send("GET", "/big", null, null, null, false).status()).as("the session still serves").isEqualTo(200);
    }

    static byte[] chunk(int index) {
        byte[] bytes = new byte[CHUNK];
        new Random(index).nextBytes(bytes);
        return bytes;
    }
}
