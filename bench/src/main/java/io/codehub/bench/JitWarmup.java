package io.codehub.bench;

import java.time.Duration;
import java.util.Locale;

/**
 * A warm-up that lasts until the JVMs under measure have stopped compiling: rounds of the caller's
 * load until one passes in which no JVM's JIT compiler threads used more than {@link #QUIET_SHARE}
 * of a core (one 10 ms tick always allowed), or a bound runs out. A hub and its agents serve for
 * days; on two cores a JVM that still compiles takes the CPU the measured path waits for (C2 used
 * more CPU than a phase's event loops in the first minutes), so figures taken before this measure
 * start-up, not the system.
 */
final class JitWarmup {

    /** How the warm-up ended: rounds run, seconds, and whether every JVM went quiet in the bound. */
    record Result(int rounds, double seconds, boolean quiet) {

        /** For a report line, e.g. {@code 6 rounds, 41.3 s: the JIT compilers went quiet}. */
        String describe() {
            return String.format(Locale.ROOT, "%d rounds, %.1f s: %s", rounds, seconds, quiet
                    ? "the JIT compilers went quiet" : "the JIT compilers still busy at the bound (figures include compiling)");
        }
    }

    /** One round of warm-up load. */
    @FunctionalInterface
    interface Round {
        void run() throws Exception;
    }

    /** Quiet: each JVM's compiler threads used at most this share of one core during a round. */
    static final double QUIET_SHARE = 0.02;

    private JitWarmup() {
    }

    /**
     * Runs {@code round} at least {@code minRounds} times and until a round was quiet in every JVM of
     * {@code pids} (processes that are not JVMs count as quiet), or until {@code limit} has passed
     * at the end of a round.
     */
    static Result until(long[] pids, int minRounds, Duration limit, Round round) throws Exception {
        long start = System.nanoTime();
        long deadline = start + limit.toNanos();
        int rounds = 0;
        while (true) {
            long[] before = compilerTicks(pids);
            long roundStart = System.nanoTime();
            round.run();
            rounds++;
            long now = System.nanoTime();
            long[] after = compilerTicks(pids);
            // Ticks of 1/100 s (USER_HZ, as CpuMeter reads them).
            double allowedTicks = Math.max(1, QUIET_SHARE * (now - roundStart) / 1e9 * 100);
            boolean quiet = true;
            StringBuilder compiling = new StringBuilder();
            for (int i = 0; i < pids.length; i++) {
                quiet &= after[i] - before[i] <= allowedTicks;
                compiling.append(i == 0 ? "" : ", ").append(pids[i]).append(' ').append((after[i] - before[i]) * 10);
            }
            System.out.printf(Locale.ROOT, "[bench] warm-up round %d, %.1f s: JIT CPU ms by process %s%n",
                    rounds, (now - roundStart) / 1e9, compiling);
            if ((quiet && rounds >= minRounds) || now >= deadline) {
                return new Result(rounds, (now - start) / 1e9, quiet);
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
}
