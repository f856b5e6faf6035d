package io.codehub.tunnel;

import static io.codehub.tunnel.HandshakeTestSupport.context;
import static io.codehub.tunnel.HandshakeTestSupport.hubChannel;
import static io.codehub.tunnel.HandshakeTestSupport.ticker;
import static io.codehub.tunnel.HandshakeTestSupport.written;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.codehub.tunnel.HandshakeTestSupport.InetEmbeddedChannel;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Feeds arbitrary bytes, in two chunks, to the hub's tunnel port pipeline as {@link TunnelServer}
 * builds it (HTTP codec with the handshake caps, {@link ServerHandshakeHandler}, and behind it
 * {@link EndpointHandler} or the HTTP/2 session), on an embedded channel with a frozen clock that
 * is then moved past the handshake timeout. Whatever the bytes: no exception leaves the pipeline;
 * the first answer is a 101, a typed problem or the endpoint's answer; a 101 only for the one valid
 * key; once the timeout has passed the connection is closed or upgraded; every buffer is released
 * (paranoid leak detection, and the input buffers' reference counts). Seeds in
 * {@code TunnelPortFuzzTestInputs/anyBytes/}; see docs/security-testing.md, Fuzzing.
 */
@ExtendWith(NoBufferLeaks.class)
class TunnelPortFuzzTest {

    private static final String KEY = "chk_fuzz_s3cr3t";
    private static final String ENDPOINT = "/v1/echo";

    @FuzzTest(maxDuration = "3m")
    void anyBytes(byte[] input) {
        TunnelServerBuilder.EndpointRoute route = new TunnelServerBuilder.EndpointRoute("POST", 16,
                request -> CompletableFuture.completedFuture(
                        TunnelEndpoint.Response.ok("text/plain", request.body())));
        ServerContext server = context(request -> CompletableFuture.completedFuture(KEY.equals(request.apiKey())
                        ? AuthDecision.accept("agent-f", "t-next") : AuthDecision.reject(401, "unknown key", null)),
                TunnelLimits.defaults(), ticker(), new TunnelListener() { }, Map.of(ENDPOINT, route));
        InetEmbeddedChannel ch = hubChannel(server, "127.0.0.12");
        int half = input.length / 2;
        ByteBuf first = Unpooled.buffer(half + 1).writeBytes(input, 0, half);
        ByteBuf second = Unpooled.buffer(input.length - half + 1).writeBytes(input, half, input.length - half);
        StringBuilder out = new StringBuilder();
        boolean upgraded;
        try {
            ch.writeInbound(first);
            ch.runPendingTasks();
            if (ch.isOpen()) {
                ch.writeInbound(second);
            } else {
                second.release();
            }
            ch.runPendingTasks();
            ch.checkException();
            out.append(written(ch));

            ch.advanceTimeBy(server.limits.handshakeTimeout().toMillis() + 1_000, TimeUnit.MILLISECONDS);
            ch.runScheduledPendingTasks();
            ch.runPendingTasks();
            ch.checkException();
            out.append(written(ch));
            // (a closed channel's pipeline is emptied: a 101 then an HTTP/2 error leaves no codec to see)
            upgraded = ch.isOpen() && ch.pipeline().get(Http2Pipelines.CODEC) != null;
            assertThat(upgraded || !ch.isOpen()).as("closed or upgraded after the handshake timeout").isTrue();
        } finally {
            written(ch);
            ch.finishAndReleaseAll();
        }
        assertThat(first.refCnt()).isZero();
        assertThat(second.refCnt()).isZero();

        if (out.length() > 0) {
            int status = HubAnswers.checkFirstResponse(out.toString(), Set.of(100, 200),
                    new String(input, StandardCharsets.ISO_8859_1).contains("HEAD"));
            if (status == 101) {
                assertThat(new String(input, StandardCharsets.ISO_8859_1)).contains(KEY);
            }
        }
        if (upgraded) {
            assertThat(out).startsWith("HTTP/1.1 101 ");
        }
    }
}
