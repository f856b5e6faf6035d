package io.codehub.bench;

import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

import io.codehub.tunnel.spring.TunnelClientHttpConnector;
import org.springframework.http.client.reactive.ClientHttpConnector;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Small Agent API calls through the hub's own client stack (Spring WebClient), directly over
 * HTTP/1.1 and through the tunnel, against the same agent process: sequential latency and the
 * throughput of 64 concurrent callers. The call is {@code GET /jobs/<unknown>}: a full trip through
 * the agent's filters, token check and controller, answered from memory (a 404 problem).
 *
 * <p>The figures are those of a hub and an agent that have run for a while: both doors are warmed
 * until the JIT compilers of this JVM and the agent's went quiet ({@link JitWarmup}, bounded by six
 * phases' time). After the fixed 3,000 calls of earlier versions C2 was still at work, and the p99
 * measured it: 4-5 ms.
 */
final class CallBench {

    /** Both doors' figures and how the warm-up before them ended. */
    record Report(Result direct, Result tunnel, JitWarmup.Result warmup) {
    }

    record Result(double p50Micros, double p99Micros, double rps) {
    }

    private static final int CALLERS = 64;
    /** Calls on each door per warm-up round, and the fewest rounds a warm-up makes. */
    static final int WARMUP_ROUND = 1_000;
    private static final int WARMUP_MIN_ROUNDS = 3;

    private CallBench() {
    }

    static Report run(AgentUnderTest agent, Duration perPhase) throws Exception {
        WebClient direct = client(new ReactorClientHttpConnector(), agent.directBaseUrl(), agent.token());
        WebClient tunnel = client(new TunnelClientHttpConnector(agent.tunnels()::session), agent.tunnelBaseUrl(),
                agent.token());
        JitWarmup.Result warmup = JitWarmup.until(new long[] {ProcessHandle.current().pid(), agent.pid()},
                WARMUP_MIN_ROUNDS, perPhase.multipliedBy(6), () -> {
                    latencies(direct, WARMUP_ROUND, perPhase);
                    latencies(tunnel, WARMUP_ROUND, perPhase);
                });
        long[] directNanos = latencies(direct, 10_000, perPhase);
        long[] tunnelNanos = latencies(tunnel, 10_000, perPhase);
        double directRps = throughput(direct, perPhase);
        double tunnelRps = throughput(tunnel, perPhase);
        return new Report(new Result(percentile(directNanos, 50), percentile(directNanos, 99), directRps),
                new Result(percentile(tunnelNanos, 50), percentile(tunnelNanos, 99), tunnelRps), warmup);
    }

    private static WebClient client(ClientHttpConnector connector, String baseUrl, String token) {
        return WebClient.builder().clientConnector(connector).baseUrl(baseUrl)
                .defaultHeader("Authorization", "Bearer " + token).build();
    }

    private static Mono<Integer> call(WebClient client) {
        return client.get().uri("/jobs/bench-probe").exchangeToMono(response -> response.releaseBody()
                .thenReturn(response.statusCode().value()));
    }

    /** Up to {@code count} sequential calls, bounded by {@code limit}; nanoseconds each. */
    private static long[] latencies(WebClient client, int count, Duration limit) {
        long[] nanos = new long[count];
        long deadline = System.nanoTime() + limit.toNanos();
        int done = 0;
        while (done < count && System.nanoTime() < deadline) {
            long start = System.nanoTime();
            Integer status = call(client).block(Duration.ofSeconds(10));
            nanos[done++] = System.nanoTime() - start;
            if (status == null || status != 404) {
                throw new IllegalStateException("GET /jobs/bench-probe answered " + status + " (expected 404)");
            }
        }
        return Arrays.copyOf(nanos, done);
    }

    private static double throughput(WebClient client, Duration duration) {
        AtomicLong calls = new AtomicLong();
        long start = System.nanoTime();
        long deadline = start + duration.toNanos();
        Flux.range(0, CALLERS)
                .flatMap(i -> call(client).doOnNext(s -> calls.incrementAndGet())
                        .repeat(() -> System.nanoTime() < deadline), CALLERS)
                .blockLast(duration.plusSeconds(30));
        return calls.get() / ((System.nanoTime() - start) / 1e9);
    }

    private static double percentile(long[] nanos, int percentile) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        int index = Math.min(sorted.length - 1, (int) Math.ceil(percentile / 100.0 * sorted.length) - 1);
        return sorted[Math.max(0, index)] / 1000.0;
    }
}
