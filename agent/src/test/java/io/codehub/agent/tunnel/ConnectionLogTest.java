package io.codehub.agent.tunnel;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import io.codehub.tunnel.HubSessionInfo;
import io.codehub.tunnel.TunnelException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/** Session lines at INFO; connect failures at WARN once, then at most once a minute (fake clock). */
@ExtendWith(OutputCaptureExtension.class)
class ConnectionLogTest {

    @Test
    void logsSessionsAndRateLimitsFailures(CapturedOutput output) {
        AtomicLong now = new AtomicLong();
        ConnectionLog log = new ConnectionLog(URI.create("tcp://127.0.0.1:7443"), Duration.ofMinutes(1), now::get);
        for (int i = 0; i < 20; i++) {
            log.connectFailed(new TunnelException("connection refused #" + i), Duration.ofSeconds(2));
            now.addAndGet(Duration.ofSeconds(5).toNanos());
        }
        assertThat(count(output, "WARN")).isEqualTo(2);
        assertThat(output.getOut()).contains("connection refused #0; retrying in 2000 ms")
                .contains("connection refused #12; retrying in 2000 ms (11 more failed attempts since the last report)")
                .doesNotContain("connection refused #5;");

        HubSessionInfo session = new HubSessionInfo("s-1", "hub-1", Duration.ofSeconds(5), new InetSocketAddress("127.0.0.1", 7443));
        log.sessionOpened(session);
        log.sessionClosed(session, null);
        assertThat(output.getOut()).contains("tunnel session s-1 to hub hub-1 at tcp://127.0.0.1:7443 open after 20 failed attempts")
                .contains("tunnel session s-1 to hub hub-1 closed");
        log.connectFailed(new TunnelException("refused again"), Duration.ofSeconds(1));
        assertThat(count(output, "WARN")).isEqualTo(3);
    }

    private static long count(CapturedOutput output, String level) {
        return output.getOut().lines().filter(line -> line.contains(" " + level + " ") && line.contains("ConnectionLog")).count();
    }
}
