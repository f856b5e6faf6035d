package io.codehub.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Keeps {@code bench half-open} working, and shows the dead-path probes at work on a real kernel:
 * the tunnel's flow dropped by {@code iptables} in a network namespace of the test's own, the agent
 * gives the old session up on the kernel's "Connection timed out" (its TCP keepalive probes went
 * unanswered), not on its 15 s idle deadline, and the hub sees a new session. Speed is not judged
 * here (that is the benchmark's job); which mechanism closed the session is.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class HalfOpenBenchIT {

    @Test
    void aTunnelWhosePathDiesIsGivenUpByTheKernelsProbesAndReplaced() throws Exception {
        List<HalfOpenBench.Run> runs = HalfOpenBench.run(2);

        assertThat(runs).hasSize(2).allSatisfy(run -> {
            assertThat(run.agentCause()).contains("Connection timed out").doesNotContain("nothing heard");
            assertThat(run.seconds()).isPositive();
        });
    }
}
