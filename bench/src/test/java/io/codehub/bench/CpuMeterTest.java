package io.codehub.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

class CpuMeterTest {

    @Test
    void countsTheCpuOfThisJvmsJitCompilers() {
        // Enough hot code that C1 and C2 compile for well over one 10 ms tick.
        long sum = 0;
        for (int round = 0; round < 200; round++) {
            Map<String, Integer> words = new HashMap<>();
            for (int i = 0; i < 20_000; i++) {
                words.merge(Integer.toString(i * round % 997), i, Integer::sum);
            }
            sum += words.values().stream().mapToLong(Integer::longValue).sum();
        }
        assertThat(sum).isPositive();
        assertThat(CpuMeter.compilerTicks(ProcessHandle.current().pid())).isPositive();
    }

    @Test
    void aProcessThatIsGoneCompiledNothing() {
        assertThat(CpuMeter.compilerTicks(Long.MAX_VALUE)).isZero();
    }
}
