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
 * <p>The latencies are those of a hub and an agent that have run for a while: both doors are warmed
 * in rounds until the JIT compilers of this JVM and the agent's have gone quiet (a hub that has
 * served for minutes compiles nothing more; while C2 still compiles Spring's and Netty's paths on
 * two cores it takes the CPU a call waits for, which put the p99 at 4-5 ms after a fixed warm-up of
 * 3,000 calls), bounded by six phases' time.
 */
final class CallBench {

    /** Both doors' figures and how the warm-up before them ended. */
    record Report(Result direct, Result tunnel, Warmup warmup) {
    }

    record Result(double p50Micros, double p99Micros, double rps) {
    }

    /**
     * The warm-up: calls made on each door, how long it took, and whether every JVM's JIT compilers
     * went quiet within the bound (false: the latencies include compilation).
     */
    record Warmup(int callsPerDoor, double seconds, boolean quiet) {
    }

    private static final int CALLERS = 64;
    /** Calls on each door per warm-up round, and the fewest a warm-up makes. */
    private static final int WARMUP_ROUND = 1_000;
    private static final int WARMUP_MIN = 3_000;
    /** Quiet: each JVM's compiler threads used at most this share of one core during a round. */
    private static final double QUIET_SHARE = 0.02;

    private CallBench() {
    }

    static Report run(AgentUnderTest agent, Duration perPhase) {
        WebClient direct = client(new ReactorClientHttpConnector(), agent.directBaseUrl(), agent.token());
        WebClient tunnel = client(new TunnelClientHttpConnector(agent.tunnels()::session), agent.tunnelBaseUrl(),
                agent.token());
        Warmup warmup = warmUp(direct, tunnel, new long[] {ProcessHandle.current().pid(), agent.pid()},
                perPhase.multipliedBy(6));
        long[] directNanos = latencies(direct, 10_000, perPhase);
        long[] tunnelNanos = latencies(tunnel, 10_000, perPhase);
        double directRps = throughput(direct, perPhase);
        double tunnelRps = throughput(tunnel, perPhase);
        return new Report(new Result(percentile(directNanos, 50), percentile(directNanos, 99), directRps),
                new Result(percentile(tunnelNanos, 50), percentile(tunnelNanos, 99), tunnelRps), warmup);
    }

    /**
     * Rounds of {@link #WARMUP_ROUND} sequential calls on each door until, after at least
     * {@link #WARMUP_MIN}, a round passed in which no JVM of {@code pids} compiled for more than
     * {@link #QUIET_SHARE} of a core (one 10 ms tick always allowed), or {@code limit} ran out.
     */
    private static Warmup warmUp(WebClient direct, WebClient tunnel, long[] pids, Duration limit) {
        long start = System.nanoTime();
        long deadline = start + limit.toNanos();
        int calls = 0;
        while (true) {
            long[] before = compilerTicks(pids);
            long roundStart = System.nanoTime();
            latencies(direct, WARMUP_ROUND, Duration.ofNanos(Math.max(0, deadline - roundStart)));
            latencies(tunnel, WARMUP_ROUND, Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
            calls += WARMUP_ROUND;
            long now = System.nanoTime();
            long[] after = compilerTicks(pids);
            double allowedTicks = Math.max(1, QUIET_SHARE * (now - roundStart) / 1e9 * 100);
            boolean quiet = true;
            for (int i = 0; i < pids.length; i++) {
                quiet &= after[i] - before[i] <= allowedTicks;
            }
            if ((quiet && calls >= WARMUP_MIN) || now >= deadline) {
                return new Warmup(calls, (now - start) / 1e9, quiet);
            }
        }
    }

    private static long[] compilerTicks(long[] pids) {
        long[] ticks = new long[pids.length];
        for (int i = 0; i < pids.length; i++) {
            ticks[i] = CpuMeter.compilerTicks(pids[i]);
        }
        return ticks;
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
