package io.codehub.hub.tunnel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.codehub.hub.support.FakeTunnelAgent;
import io.codehub.hub.support.FakeTunnelAgent.Response;
import io.codehub.tunnel.AuthDecision;
import io.codehub.tunnel.TunnelServer;
import io.codehub.tunnel.TunnelSession;
import io.codehub.tunnel.spring.TunnelClientHttpConnector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * A hostile agent answers an Agent API call with a body far larger than the hub takes (64 MiB
 * against the 16 MiB that RemoteConfiguration gives its WebClient): the call fails with
 * {@link DataBufferLimitException}, the hub resets the stream ({@code CANCEL}) so the agent stops
 * sending, the heap does not keep the body, and the session goes on serving calls.
 */
@Timeout(120)
class OversizeAgentResponseAttackIT {

    private static final String AGENT = "agent-1";
    private static final int HUB_LIMIT = 16 * 1024 * 1024;
    private static final int BODY = 64 * 1024 * 1024;

    @Test
    void aResponseFarOverTheCallsLimitFailsTheCallAndResetsTheStream() throws Exception {
        TunnelServer server = TunnelServer.builder()
                .bindAddress(new InetSocketAddress("127.0.0.1", 0))
                .hubId("test-hub")
                .ioThreads(1)
                .authenticator(request -> CompletableFuture.completedFuture(
                        ("chk_" + AGENT + "_s3cr3t").equals(request.apiKey())
                                ? AuthDecision.accept(AGENT, null)
                                : AuthDecision.reject(401, "wrong key", null)))
                .build();
        InetSocketAddress port = server.start().get(10, TimeUnit.SECONDS);
        try (FakeTunnelAgent agent = FakeTunnelAgent.start(port, "chk_" + AGENT + "_s3cr3t",
                request -> request.path().equals("/huge") ? Response.bytes(new byte[BODY])
                        : Response.json(200, "{\"ok\":true}"))) {
            await().atMost(Duration.ofSeconds(30)).until(() -> server.session(AGENT).isPresent());
            TunnelSession session = server.session(AGENT).orElseThrow();
            WebClient client = WebClient.builder().baseUrl("tunnel://" + AGENT)
                    .clientConnector(new TunnelClientHttpConnector(server::session))
                    .codecs(c -> c.defaultCodecs().maxInMemorySize(HUB_LIMIT))
                    .build();
            long heapBefore = heapAfterGc();
            long start = System.nanoTime();

            Throwable failure = null;
            try {
                client.get().uri("/huge").retrieve().bodyToMono(byte[].class).block(Duration.ofSeconds(60));
            } catch (RuntimeException e) {
                failure = e;
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> agent.resetsReceived() > 0);
            long millis = (System.nanoTime() - start) / 1_000_000;
            String ok = client.get().uri("/small").retrieve().bodyToMono(String.class).block(Duration.ofSeconds(20));
            long heapGrowth = heapAfterGc() - heapBefore;

            System.out.printf("ATTACK oversize-response: a %d MiB answer to a call capped at %d MiB fails with %s; "
                    + "the agent's stream reset in %d ms; heap after GC %+d KiB; session up %s%n", BODY >> 20,
                    HUB_LIMIT >> 20, failure == null ? "nothing" : rootCause(failure).getClass().getSimpleName(),
                    millis, heapGrowth / 1024, session.isActive());
            assertThat(failure).isNotNull();
            assertThat(rootCause(failure)).isInstanceOf(DataBufferLimitException.class);
            assertThat(agent.resetsReceived()).as("the hub reset the stream, so the agent stops sending").isPositive();
            assertThat(ok).contains("ok");
            assertThat(session.isActive()).isTrue();
            assertThat(heapGrowth).isLessThan(32L * 1024 * 1024);
        } finally {
            server.close().get(10, TimeUnit.SECONDS);
        }
    }

    private static Throwable rootCause(Throwable t) {
        Throwable cause = t;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        return cause;
    }

    private static long heapAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
