package io.codehub.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

class JitWarmupTest {

    /** A process that is gone (or is no JVM) has no compiler threads: it counts as quiet. */
    private static final long[] NO_JVM = {Long.MAX_VALUE};

    @Test
    void runsAtLeastTheFewestRoundsAskedForThenStopsOnceQuiet() throws Exception {
        AtomicInteger rounds = new AtomicInteger();

        JitWarmup.Result result = JitWarmup.until(NO_JVM, 3, Duration.ofMinutes(1), rounds::incrementAndGet);

        assertThat(rounds).hasValue(3);
        assertThat(result.rounds()).isEqualTo(3);
        assertThat(result.quiet()).isTrue();
        assertThat(result.describe()).startsWith("3 rounds, ").endsWith("the JIT compilers went quiet");
    }

    @Test
    void theBoundEndsAWarmUpThatIsNotQuietYet() throws Exception {
        AtomicInteger rounds = new AtomicInteger();

        JitWarmup.Result result = JitWarmup.until(NO_JVM, 1_000, Duration.ZERO, rounds::incrementAndGet);

        assertThat(rounds).as("a round always runs; the bound is looked at after it").hasValue(1);
        assertThat(result.rounds()).isEqualTo(1);
    }
}
