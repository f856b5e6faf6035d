package io.codehub.agent.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.random.RandomGenerator;

import io.codehub.agent.TestPki;
import io.codehub.base.Backoff;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Renewal point and retry backoff, on a certificate made here and fixed instants. */
class RenewalTimingTest {

    static final RenewalTiming TIMING = new RenewalTiming(0.67, RenewalTiming.RETRY);

    @TempDir
    static Path dir;
    static Credential credential;

    @BeforeAll
    static void certificate() {
        TestPki.KeyAndChain issued = TestPki.create(dir).agent("agent-1");
        credential = new Credential(issued.key(), issued.chain());
    }

    @Test
    void renewsAtTwoThirdsOfTheValidityPeriod() {
        Duration lifetime = Duration.between(credential.notBefore(), credential.notAfter());
        Instant point = credential.notBefore().plusMillis((long) (lifetime.toMillis() * 0.67));
        assertThat(TIMING.nextRenewal(credential, credential.notBefore())).isEqualTo(point);
        assertThat(TIMING.due(credential, point.minusSeconds(1))).isFalse();
        assertThat(TIMING.due(credential, point)).isTrue();
    }

    @Test
    void aCertificatePastItsRenewalPointIsRenewedHalfwayToExpiryNotBackToBack() {
        Instant late = credential.notAfter().minus(Duration.ofHours(2));
        assertThat(TIMING.nextRenewal(credential, late)).isEqualTo(late.plus(Duration.ofHours(1)));
        assertThat(TIMING.nextRenewal(credential, credential.notAfter().plusSeconds(5)))
                .isEqualTo(credential.notAfter().plusSeconds(5));
    }

    @Test
    void retriesBackOffWithJitterWithinTheBounds() {
        assertThat(TIMING.retryDelay(1, null, fixed(0.0))).isEqualTo(Duration.ofSeconds(30));
        assertThat(TIMING.retryDelay(1, null, fixed(0.999))).isBetween(Duration.ofSeconds(37), Duration.ofSeconds(38));
        assertThat(TIMING.retryDelay(3, null, fixed(0.5))).isEqualTo(Duration.ofMinutes(2));
        // The top of the range stops just short of the cap: draws are spread below it, not stacked on it.
        assertThat(TIMING.retryDelay(30, null, fixed(0.999))).isBetween(Duration.ofSeconds(599),
                Duration.ofMinutes(10));
        assertThat(TIMING.retryDelay(30, null, fixed(0.0))).isEqualTo(Duration.ofSeconds(450));
    }

    @Test
    void honoursRetryAfter() {
        assertThat(TIMING.retryDelay(1, Duration.ofMinutes(3), fixed(0.0))).isEqualTo(Duration.ofMinutes(3));
        assertThat(TIMING.retryDelay(1, Duration.ofSeconds(1), fixed(0.0))).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void refusesAFractionOutsideZeroToOne() {
        for (double fraction : new double[] {0, 1, -0.5, 1.5, Double.NaN}) {
            assertThatIllegalArgumentException().isThrownBy(
                    () -> new RenewalTiming(fraction, Backoff.exponential(Duration.ofSeconds(30), Duration.ofMinutes(10))))
                    .withMessageContaining("renewAt");
        }
    }

    /** A generator whose every {@code nextDouble()} is {@code value}: the one draw a jittered delay takes. */
    private static RandomGenerator fixed(double value) {
        return new RandomGenerator() {
            @Override
            public double nextDouble() {
                return value;
            }

            @Override
            public long nextLong() {
                throw new AssertionError("only nextDouble() is fixed");
            }
        };
    }
}
