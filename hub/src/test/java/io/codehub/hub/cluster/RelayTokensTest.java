package io.codehub.hub.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;

import io.codehub.hub.support.MutableClock;
import org.junit.jupiter.api.Test;

/** Hub-to-hub relay tokens: minted by one hub, verified by any hub with the same key, and nothing else. */
class RelayTokensTest {

    private static final byte[] KEY = filled(7);
    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-05T12:00:00Z"));

    @Test
    void aTokenMintedByOneHubIsVerifiedByAnotherWithTheSameKeyAndNamesItsHub() {
        RelayTokens hub1 = new RelayTokens(KEY, "hub-1", clock);
        RelayTokens hub2 = new RelayTokens(KEY, "hub-2", clock);

        String token = hub1.token();

        assertThat(token).startsWith("chr1.hub-1.");
        assertThat(hub2.verify(token)).isEqualTo("hub-1");
    }

    @Test
    void anotherKeyATamperedTokenOrGarbageIsRefused() {
        String token = new RelayTokens(KEY, "hub-1", clock).token();
        RelayTokens verifier = new RelayTokens(KEY, "hub-2", clock);

        assertThat(new RelayTokens(filled(8), "hub-3", clock).verify(token)).as("other key").isNull();
        assertThat(verifier.verify(token.replace("chr1.hub-1.", "chr1.hub-9."))).as("other hub id").isNull();
        String later = "chr1.hub-1.9999999999" + token.substring(token.lastIndexOf('.'));
        assertThat(verifier.verify(later)).as("longer expiry").isNull();
        assertThat(verifier.verify(token + "x")).as("other signature").isNull();
        for (String garbage : new String[] {"", "chr1.", "chr1..", "chr1.a.b.c", "Bearer " + token, "x".repeat(300)}) {
            assertThat(verifier.verify(garbage)).as(garbage).isNull();
        }
        assertThat(verifier.verify(null)).isNull();
    }

    @Test
    void tokensExpireAfterTheirLifePlusTheAllowedSkewAndAreRenewedHalfway() {
        RelayTokens hub1 = new RelayTokens(KEY, "hub-1", clock);
        RelayTokens hub2 = new RelayTokens(KEY, "hub-2", clock);
        String token = hub1.token();

        clock.advance(RelayTokens.TTL.dividedBy(2).minusSeconds(1));
        assertThat(hub1.token()).as("reused before half its life").isEqualTo(token);
        clock.advance(Duration.ofSeconds(2));
        assertThat(hub1.token()).as("renewed after half its life").isNotEqualTo(token);

        clock.advance(RelayTokens.TTL.dividedBy(2).plus(RelayTokens.CLOCK_SKEW).minusSeconds(5));
        assertThat(hub2.verify(token)).as("within the skew").isEqualTo("hub-1");
        clock.advance(Duration.ofSeconds(10));
        assertThat(hub2.verify(token)).as("expired").isNull();
    }

    @Test
    void aShortKeyIsRefused() {
        assertThatThrownBy(() -> new RelayTokens(new byte[16], "hub-1", clock))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 32");
    }

    private static byte[] filled(int value) {
        byte[] key = new byte[RelayTokens.KEY_BYTES];
        Arrays.fill(key, (byte) value);
        return key;
    }
}
