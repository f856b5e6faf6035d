package io.codehub.hub.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class AccessLogTest {

    private static AccessLog.Line line(String path, int status) {
        return new AccessLog.Line("ws-1", 8080, "127.0.0.1", "GET", path, status, 3, 21, 4_000_000, false, null);
    }

    @Test
    void linesAreWrittenInOrderOffTheCallingThread() {
        List<String> written = new CopyOnWriteArrayList<>();
        List<String> threads = new CopyOnWriteArrayList<>();
        AccessLog log = new AccessLog(text -> {
            written.add(text);
            threads.add(Thread.currentThread().getName());
        }, () -> true, 100, Duration.ofMinutes(1), n -> { });
        log.start();
        try {
            log.add(line("/a", 200));
            log.add(new AccessLog.Line(null, 0, "10.0.0.1", "GET", "/ws", 101, 36, 24, 297_000_000, true,
                    "client-closed"));
            await().atMost(Duration.ofSeconds(5)).until(() -> written.size() == 2);
        } finally {
            log.close();
        }
        assertThat(written).containsExactly(
                "workspace=ws-1 port=8080 client=127.0.0.1 GET /a status=200 in=3 out=21 ms=4",
                "workspace=- port=- client=10.0.0.1 GET /ws status=101 in=36 out=24 ms=297 websocket outcome=client-closed");
        assertThat(threads).containsOnly("codehub-gateway-access-log");
    }

    @Test
    void aPathCannotForgeLinesAndIsCut() {
        List<String> written = new CopyOnWriteArrayList<>();
        AccessLog log = new AccessLog(written::add, () -> true, 100, Duration.ofMinutes(1), n -> { });
        log.add(line("/x\r\nworkspace=forged\u007f", 200));
        log.add(line("/" + "p".repeat(300), 200));
        log.start();
        log.close();
        assertThat(written).hasSize(2);
        assertThat(written.get(0)).contains(" GET /x%0D%0Aworkspace=forged%7F status=200").doesNotContain("\n");
        assertThat(written.get(1)).contains(" GET /" + "p".repeat(AccessLog.MAX_PATH - 1) + "... status=200");
    }

    @Test
    void aStalledOutputNeverBlocksTheGatewayAndDropsAreCounted() throws Exception {
        CountDownLatch stalled = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        List<String> written = new CopyOnWriteArrayList<>();
        AtomicLong dropped = new AtomicLong();
        AccessLog log = new AccessLog(text -> {
            stalled.countDown();
            try {
                release.await(20, TimeUnit.SECONDS); // a log collector that stopped reading
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            written.add(text);
        }, () -> true, 10, Duration.ofMinutes(1), dropped::addAndGet);
        log.start();
        try {
            log.add(line("/first", 200));
            assertThat(stalled.await(5, TimeUnit.SECONDS)).isTrue();
            long started = System.nanoTime();
            for (int i = 0; i < 1_000; i++) {
                log.add(line("/" + i, 200));
            }
            // 1,000 lines against a stalled output: queued or dropped, never waited for.
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(2));
            assertThat(dropped.get()).isEqualTo(990);
            assertThat(log.dropped()).isEqualTo(990);
        } finally {
            release.countDown();
            log.close();
        }
        assertThat(written).hasSize(11).startsWith(line("/first", 200).text(), line("/0", 200).text())
                .endsWith(line("/9", 200).text());
    }

    @Test
    void nothingIsQueuedWhileTheLoggerIsOff() {
        AtomicBoolean on = new AtomicBoolean(false);
        List<String> written = new CopyOnWriteArrayList<>();
        AccessLog log = new AccessLog(written::add, on::get, 1, Duration.ofMinutes(1), n -> { });
        log.add(line("/off", 200));
        on.set(true);
        log.add(line("/on", 200));
        log.start();
        log.close();
        assertThat(written).containsExactly(line("/on", 200).text());
    }

    @Test
    void closeWritesWhatIsQueuedAndLaterLinesAreNotWritten() {
        List<String> written = new CopyOnWriteArrayList<>();
        AccessLog log = new AccessLog(written::add, () -> true, 10_000, Duration.ofMinutes(1), n -> { });
        log.start();
        for (int i = 0; i < 5_000; i++) {
            log.add(line("/" + i, 200));
        }
        log.close();
        log.add(line("/late", 200));
        assertThat(written).hasSize(5_000);
        assertThat(written.get(4_999)).contains(" /4999 ");
    }

    @Test
    void theCapacityMustBePositive() {
        assertThatThrownBy(() -> new AccessLog(text -> { }, () -> true, 0, Duration.ofMinutes(1), n -> { }))
                .hasMessage("capacity: 0 (expected: > 0)");
    }
}
