package io.codehub.tunnel;

import static io.codehub.tunnel.HandshakeTestSupport.context;
import static io.codehub.tunnel.HandshakeTestSupport.hubChannel;
import static io.codehub.tunnel.HandshakeTestSupport.send;
import static io.codehub.tunnel.HandshakeTestSupport.ticker;
import static io.codehub.tunnel.HandshakeTestSupport.written;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.codehub.tunnel.HandshakeTestSupport.InetEmbeddedChannel;
import io.codehub.tunnel.HandshakeTestSupport.Response;
import io.netty.util.concurrent.MockTicker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@link EndpointHandler} behind the upgrade handler on an embedded channel with a fake clock: the
 * whole body reaches the endpoint, and every limit (body cap, declared or sent, with or without
 * {@code Expect: 100-continue}; the handshake timeout counted from the accept; the
 * failed-authentication budget) answers with its problem and closes.
 */
@ExtendWith(NoBufferLeaks.class)
class EndpointHandlerTest {

    private static final String PATH = "/v1/echo";
    private static final int MAX_BODY = 16;

    private final MockTicker ticker = ticker();
    private final List<TunnelEndpoint.Request> seen = new ArrayList<>();
    private final List<HandshakeProblem> rejected = new ArrayList<>();
    private final List<InetEmbeddedChannel> channels = new ArrayList<>();
    private CompletableFuture<TunnelEndpoint.Response> answer = CompletableFuture.completedFuture(
            TunnelEndpoint.Response.ok("text/plain", "fine".getBytes(StandardCharsets.UTF_8)));
    private final TunnelListener listener = new TunnelListener() {
        @Override
        public void handshakeRejected(SocketAddress remoteAddress, HandshakeProblem problem, String detail) {
            rejected.add(problem);
        }
    };

    @AfterEach
    void close() {
        for (InetEmbeddedChannel ch : channels) {
            written(ch);
            ch.finishAndReleaseAll();
        }
    }

    private ServerContext server(TunnelLimits limits) {
        TunnelServerBuilder.EndpointRoute route = new TunnelServerBuilder.EndpointRoute("POST", MAX_BODY, request -> {
            seen.add(request);
            return answer;
        });
        return context(request -> {
            throw new AssertionError("no upgrade here");
        }, limits, ticker, listener, Map.of(PATH, route));
    }

    private InetEmbeddedChannel channel(ServerContext context) {
        InetEmbeddedChannel ch = hubChannel(context, "127.0.0.20");
        channels.add(ch);
        return ch;
    }

    private InetEmbeddedChannel channel(TunnelLimits limits) {
        return channel(server(limits));
    }

    private InetEmbeddedChannel channel() {
        return channel(TunnelLimits.defaults());
    }

    private static String post(String body, String... headers) {
        StringBuilder request = new StringBuilder("POST " + PATH + "?x=1 HTTP/1.1\r\nHost: hub\r\n");
        for (String header : headers) {
            request.append(header).append("\r\n");
        }
        return request.append("Content-Length: ").append(body.length()).append("\r\n\r\n").append(body).toString();
    }

    private static Response answer(InetEmbeddedChannel ch, String request) {
        send(ch, request);
        ch.runPendingTasks();
        return Response.parse(written(ch));
    }

    @Test
    void theEndpointGetsTheWholeRequestAndItsAnswerClosesTheConnection() {
        InetEmbeddedChannel ch = channel();
        send(ch, "POST " + PATH + "?x=1 HTTP/1.1\r\nHost: hub\r\nAuthorization: Bearer k3y\r\n"
                + "Content-Type: application/pkcs10\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nhell\r\n");
        ch.runPendingTasks();
        assertThat(seen).as("not before the whole body").isEmpty();
        assertThat(ch.pipeline().get(ServerHandshakeHandler.class)).as("handed over").isNull();

        send(ch, "1\r\no\r\n0\r\n\r\n");
        ch.runPendingTasks();
        Response response = Response.parse(written(ch));

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("fine");
        assertThat(response.header("Connection")).isEqualTo("close");
        assertThat(seen).singleElement().satisfies(r -> {
            assertThat(r.method()).isEqualTo("POST");
            assertThat(r.path()).isEqualTo(PATH);
            assertThat(r.bearerToken()).isEqualTo("k3y");
            assertThat(r.contentType()).isEqualTo("application/pkcs10");
            assertThat(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo("hello");
        });
        assertThat(ch.isOpen()).isFalse();
    }

    @Test
    void aDeclaredBodyOverTheCapGets413BeforeItIsSent() {
        InetEmbeddedChannel ch = channel();
        send(ch, "POST " + PATH + " HTTP/1.1\r\nHost: hub\r\nContent-Length: " + (MAX_BODY + 1) + "\r\n\r\n");
        ch.runPendingTasks();
        Response response = Response.parse(written(ch));

        assertThat(response.status()).isEqualTo(413);
        assertThat(response.header("Content-Type")).isEqualTo(TunnelProtocol.PROBLEM_JSON);
        assertThat(response.body()).contains("tunnel-body-too-large", "exceeds " + MAX_BODY + " bytes");
        assertThat(rejected).containsExactly(HandshakeProblem.BODY_TOO_LARGE);
        assertThat(seen).isEmpty();
        assertThat(ch.isOpen()).isFalse();
    }

    @Test
    void aChunkedBodyOverTheCapGets413() {
        InetEmbeddedChannel ch = channel();
        String chunk = "a".repeat(MAX_BODY);
        Response response = answer(ch, "POST " + PATH + " HTTP/1.1\r\nHost: hub\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "10\r\n" + chunk + "\r\n1\r\nb\r\n0\r\n\r\n");

        assertThat(response.status()).isEqualTo(413);
        assertThat(response.body()).contains("tunnel-body-too-large");
        assertThat(seen).isEmpty();
        assertThat(ch.isOpen()).isFalse();
    }

    @Test
    void aBodyAtTheCapIsServed() {
        assertThat(answer(channel(), post("a".repeat(MAX_BODY))).status()).isEqualTo(200);
        assertThat(seen).singleElement().extracting(r -> r.body().length).isEqualTo(MAX_BODY);
    }

    @Test
    void expectContinueGets100WithinTheCapAnd413OverIt() {
        InetEmbeddedChannel small = channel();
        send(small, "POST " + PATH + " HTTP/1.1\r\nHost: hub\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n");
        small.runPendingTasks();
        assertThat(written(small)).startsWith("HTTP/1.1 100 Continue\r\n");
        send(small, "ok");
        small.runPendingTasks();
        assertThat(Response.parse(written(small)).status()).isEqualTo(200);

        InetEmbeddedChannel large = channel();
        Response refused = answer(large, "POST " + PATH + " HTTP/1.1\r\nHost: hub\r\nExpect: 100-continue\r\n"
                + "Content-Length: 1000\r\n\r\n");
        assertThat(refused.status()).as("no 100 Continue for a body over the cap").isEqualTo(413);
        assertThat(refused.body()).contains("tunnel-body-too-large");
        assertThat(large.isOpen()).isFalse();
    }

    @Test
    void anExpectationOtherThan100ContinueIsAMalformedProblemNotABare417() {
        // found by TunnelPortFuzzTest: Netty's aggregator answered 417 with no problem body
        InetEmbeddedChannel ch = channel();
        Response refused = answer(ch,
                "POST " + PATH + " HTTP/1.1\r\nHost: hub\r\nExpect: 100-cont-Length: 4\r\n\r\nfine");
        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.body()).contains("tunnel-malformed-handshake").contains("Expect");
        assertThat(ch.isOpen()).isFalse();
        assertThat(seen).isEmpty();
        assertThat(rejected).containsExactly(HandshakeProblem.MALFORMED);
    }

    @Test
    void theHandshakeTimeoutCountedFromTheAcceptCoversTheBody() {
        InetEmbeddedChannel ch = channel(TunnelLimits.builder().handshakeTimeout(Duration.ofSeconds(10)).build());
        ch.advanceTimeBy(6, TimeUnit.SECONDS);
        send(ch, "POST " + PATH + " HTTP/1.1\r\nHost: hub\r\nContent-Length: 4\r\n\r\nab");
        ch.advanceTimeBy(3_999, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        assertThat(written(ch)).isEmpty();

        ch.advanceTimeBy(1, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        Response response = Response.parse(written(ch));
        assertThat(response.status()).isEqualTo(408);
        assertThat(response.body()).contains("tunnel-handshake-timeout");
        assertThat(seen).isEmpty();
        assertThat(ch.isOpen()).isFalse();
    }

    @Test
    void anEndpointThatDoesNotAnswerInTimeGets503AndALateAnswerChangesNothing() {
        answer = new CompletableFuture<>();
        InetEmbeddedChannel ch = channel(TunnelLimits.builder().handshakeTimeout(Duration.ofSeconds(10)).build());
        send(ch, post("slow"));
        ch.runPendingTasks();
        assertThat(seen).hasSize(1);

        ch.advanceTimeBy(10, TimeUnit.SECONDS);
        ch.runScheduledPendingTasks();
        Response response = Response.parse(written(ch));
        assertThat(response.status()).isEqualTo(503);
        assertThat(response.header("Retry-After")).isEqualTo("7");
        answer.complete(TunnelEndpoint.Response.ok("text/plain", new byte[0]));
        ch.runPendingTasks();
        assertThat(written(ch)).isEmpty();
    }

    @Test
    void aMalformedAuthorizationGets401AndSpendsTheSourcesBudget() {
        ServerContext context = server(TunnelLimits.builder().failedAuthBurst(1)
                .failedAuthRefillPeriod(Duration.ofMinutes(1)).build());
        assertThat(answer(channel(context), post("x", "Authorization: Basic dTpw")).status()).isEqualTo(401);

        Response limited = answer(channel(context), post("x", "Authorization: Bearer good"));
        assertThat(limited.status()).as("same source, budget spent").isEqualTo(429);
        assertThat(limited.header("Retry-After")).isEqualTo("60");
        assertThat(seen).isEmpty();
    }

    @Test
    void anEndpointsRefusedCredentialsSpendTheSourcesBudget() {
        answer = CompletableFuture.completedFuture(TunnelEndpoint.Response.problem(HandshakeProblem.FORBIDDEN,
                "not you"));
        ServerContext context = server(TunnelLimits.builder().failedAuthBurst(1)
                .failedAuthRefillPeriod(Duration.ofMinutes(1)).build());
        assertThat(answer(channel(context), post("x", "Authorization: Bearer k")).status()).isEqualTo(403);

        assertThat(answer(channel(context), post("x", "Authorization: Bearer k")).status()).isEqualTo(429);
        assertThat(seen).hasSize(1);
    }

    @Test
    void anotherMethodGets405AndOversizedHeaders431BeforeAnyBodyIsRead() {
        Response wrongMethod = answer(channel(),
                "PUT " + PATH + " HTTP/1.1\r\nHost: hub\r\nContent-Length: 1\r\n\r\nx");
        assertThat(wrongMethod.status()).isEqualTo(405);
        assertThat(wrongMethod.body()).contains("tunnel-method-not-allowed");

        InetEmbeddedChannel ch = channel(TunnelLimits.builder().maxHandshakeHeaderBytes(1024).build());
        Response tooLarge = answer(ch, post("x", "X-Padding: " + "a".repeat(2000)));
        assertThat(tooLarge.status()).isEqualTo(431);
        assertThat(tooLarge.body()).contains("tunnel-headers-too-large");
        assertThat(seen).isEmpty();
    }
}
