package io.codehub.tunnel;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.netty.util.concurrent.MockTicker;
import io.netty.util.concurrent.Ticker;
import org.junit.jupiter.api.Test;

class FailedAuthRateLimiterTest {

    private final MockTicker ticker = Ticker.newMockTicker();
    private final FailedAuthRateLimiter limiter = new FailedAuthRateLimiter(3, Duration.ofSeconds(10), ticker);

    @Test
    void allowsTheBurstThenBlocksUntilATokenIsBack() throws Exception {
        InetAddress source = InetAddress.getByName("127.0.0.5");
        for (int i = 0; i < 3; i++) {
            assertThat(limiter.retryAfter(source)).as("attempt %d", i).isNull();
            limiter.recordFailure(source);
        }
        assertThat(limiter.retryAfter(source)).isEqualTo(Duration.ofSeconds(10));

        ticker.advance(4, TimeUnit.SECONDS);
        assertThat(limiter.retryAfter(source)).isEqualTo(Duration.ofSeconds(6));

        ticker.advance(6, TimeUnit.SECONDS);
        assertThat(limiter.retryAfter(source)).isNull();
        limiter.recordFailure(source);
        assertThat(limiter.retryAfter(source)).as("the earned token is spent").isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void fullyRefilledAfterBurstTimesThePeriod() throws Exception {
        InetAddress source = InetAddress.getByName("127.0.0.6");
        for (int i = 0; i < 3; i++) {
            limiter.recordFailure(source);
        }
        ticker.advance(30, TimeUnit.SECONDS);
        for (int i = 0; i < 3; i++) {
            assertThat(limiter.retryAfter(source)).isNull();
            limiter.recordFailure(source);
        }
        assertThat(limiter.retryAfter(source)).isNotNull();
    }

    @Test
    void sourcesAreIndependentAndIpv6IsKeyedByItsSlash64() throws Exception {
        for (int i = 0; i < 3; i++) {
            limiter.recordFailure(InetAddress.getByName("fd00:1:2:3::" + (i + 1)));
        }
        assertThat(limiter.retryAfter(InetAddress.getByName("fd00:1:2:3::ffff"))).as("same /64").isNotNull();
        assertThat(limiter.retryAfter(InetAddress.getByName("fd00:1:2:4::1"))).as("other /64").isNull();
        assertThat(limiter.retryAfter(InetAddress.getByName("127.0.0.7"))).isNull();
        assertThat(limiter.trackedSources()).isEqualTo(1);
    }
}
