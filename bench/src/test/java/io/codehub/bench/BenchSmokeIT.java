package io.codehub.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

/** Keeps the harness working: both scenarios at a small scale, on 127.0.0.1. */
class BenchSmokeIT {

    @Test
    void idleTunnelsReportsMemoryPerTunnel() throws Exception {
        String out = capture(() -> Bench.idleTunnels(40, 17491));
        assertThat(out).contains("idle-tunnels: 40 TLS tunnels connected").containsPattern("per tunnel \\d+\\.\\d KB");
    }

    @Test
    void restartReportsWhenEveryAgentIsBack() throws Exception {
        String out = capture(() -> Bench.restart(40, 17492));
        assertThat(out).contains("restart: 40 agents connected").contains("all 40 agents back");
    }

    private static String capture(ThrowingRunnable body) throws Exception {
        PrintStream original = System.out;
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buffer, true, StandardCharsets.UTF_8));
        try {
            body.run();
        } finally {
            System.setOut(original);
        }
        String out = buffer.toString(StandardCharsets.UTF_8);
        original.print(out);
        return out;
    }

    interface ThrowingRunnable {
        void run() throws Exception;
    }
}
